#include "intel/detail/stix_types.h"

namespace rasid::intel::detail {
namespace {

constexpr StixTypeSpec kTypes[] = {
    {"attack-pattern", StixKind::kSdo, "name description aliases kill_chain_phases", ""},
    {"campaign", StixKind::kSdo, "name description aliases first_seen last_seen objective", ""},
    {"course-of-action", StixKind::kSdo, "name description", ""},
    {"grouping", StixKind::kSdo, "name description context object_refs", ""},
    {"identity", StixKind::kSdo,
     "name description roles identity_class sectors contact_information", ""},
    {"incident", StixKind::kSdo, "name description kill_chain_phases", ""},
    {"indicator", StixKind::kSdo,
     "name description indicator_types pattern pattern_type pattern_version "
     "valid_from "
     "valid_until kill_chain_phases",
     ""},
    {"infrastructure", StixKind::kSdo,
     "name description infrastructure_types aliases kill_chain_phases "
     "first_seen last_seen",
     ""},
    {"intrusion-set", StixKind::kSdo,
     "name description aliases first_seen last_seen goals resource_level "
     "primary_motivation "
     "secondary_motivations",
     ""},
    {"location", StixKind::kSdo,
     "name description latitude longitude precision region country "
     "administrative_area city "
     "street_address postal_code",
     ""},
    {"malware", StixKind::kSdo,
     "name description malware_types is_family aliases kill_chain_phases "
     "first_seen last_seen "
     "operating_system_refs architecture_execution_envs "
     "implementation_languages capabilities "
     "sample_refs",
     ""},
    {"malware-analysis", StixKind::kSdo,
     "product version host_vm_ref operating_system_ref installed_software_refs "
     "configuration_version modules analysis_engine_version "
     "analysis_definition_version "
     "submitted analysis_started analysis_ended result_name result "
     "analysis_sco_refs sample_ref",
     ""},
    {"note", StixKind::kSdo, "abstract content authors object_refs", ""},
    {"observed-data", StixKind::kSdo,
     "first_observed last_observed number_observed objects object_refs", ""},
    {"opinion", StixKind::kSdo, "explanation authors opinion object_refs", ""},
    {"report", StixKind::kSdo, "name description report_types published object_refs", ""},
    {"threat-actor", StixKind::kSdo,
     "name description threat_actor_types aliases first_seen last_seen roles "
     "goals "
     "sophistication resource_level primary_motivation secondary_motivations "
     "personal_motivations",
     ""},
    {"tool", StixKind::kSdo, "name description tool_types aliases kill_chain_phases tool_version",
     ""},
    {"vulnerability", StixKind::kSdo, "name description", ""},
    {"relationship", StixKind::kSro,
     "relationship_type description source_ref target_ref start_time stop_time", ""},
    {"sighting", StixKind::kSro,
     "description first_seen last_seen count sighting_of_ref "
     "observed_data_refs "
     "where_sighted_refs summary",
     ""},
    {"artifact", StixKind::kSco,
     "mime_type payload_bin url hashes encryption_algorithm decryption_key", "hashes payload_bin"},
    {"autonomous-system", StixKind::kSco, "number name rir", "number"},
    {"directory", StixKind::kSco, "path path_enc ctime mtime atime contains_refs", "path"},
    {"domain-name", StixKind::kSco, "value resolves_to_refs", "value"},
    {"email-addr", StixKind::kSco, "value display_name belongs_to_ref", "value"},
    {"email-message", StixKind::kSco,
     "is_multipart date content_type from_ref sender_ref to_refs cc_refs "
     "bcc_refs message_id "
     "subject received_lines additional_header_fields body body_multipart "
     "raw_email_ref",
     "from_ref subject body"},
    {"file", StixKind::kSco,
     "hashes size name name_enc magic_number_hex mime_type ctime mtime atime "
     "parent_directory_ref contains_refs content_ref",
     "hashes name extensions parent_directory_ref"},
    {"ipv4-addr", StixKind::kSco, "value resolves_to_refs belongs_to_refs", "value"},
    {"ipv6-addr", StixKind::kSco, "value resolves_to_refs belongs_to_refs", "value"},
    {"mac-addr", StixKind::kSco, "value", "value"},
    {"mutex", StixKind::kSco, "name", "name"},
    {"network-traffic", StixKind::kSco,
     "start end is_active src_ref dst_ref src_port dst_port protocols "
     "src_byte_count "
     "dst_byte_count src_packets dst_packets ipfix src_payload_ref "
     "dst_payload_ref "
     "encapsulates_refs encapsulated_by_ref",
     "start end src_ref dst_ref src_port dst_port protocols extensions"},
    {"process", StixKind::kSco,
     "is_hidden pid created_time cwd command_line environment_variables "
     "opened_connection_refs "
     "creator_user_ref image_ref parent_ref child_refs",
     ""},
    {"software", StixKind::kSco, "name cpe swid languages vendor version",
     "name cpe swid vendor version"},
    {"url", StixKind::kSco, "value", "value"},
    {"user-account", StixKind::kSco,
     "user_id credential account_login account_type display_name "
     "is_service_account "
     "is_privileged can_escalate_privs is_disabled account_created "
     "account_expires "
     "credential_last_changed account_first_login account_last_login",
     "account_type user_id account_login"},
    {"windows-registry-key", StixKind::kSco,
     "key values modified_time creator_user_ref number_of_subkeys", "key values"},
    {"x509-certificate", StixKind::kSco,
     "is_self_signed hashes version serial_number signature_algorithm issuer "
     "validity_not_before validity_not_after subject "
     "subject_public_key_algorithm "
     "subject_public_key_modulus subject_public_key_exponent "
     "x509_v3_extensions",
     "hashes serial_number"},
    {"marking-definition", StixKind::kMarking, "name definition_type definition", ""},
    {"language-content", StixKind::kLanguageContent, "object_ref object_modified contents", ""},
    {"extension-definition", StixKind::kExtensionDefinition,
     "name description schema version extension_types extension_properties", ""},
};

}  // namespace

const StixTypeSpec* find_stix_type(std::string_view type) {
  for (const StixTypeSpec& spec : kTypes) {
    if (spec.type == type) return &spec;
  }
  return nullptr;
}

bool has_word(std::string_view list, std::string_view word) {
  while (!list.empty()) {
    std::size_t space = list.find(' ');
    std::string_view head = list.substr(0, space);
    if (head == word) return true;
    if (space == std::string_view::npos) break;
    list.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace rasid::intel::detail
