#pragma once
// The hub's dashboard: the report's panels live, for the viewer's rights, server-rendered
// HTML with the report's SVG charts (no JavaScript), with drill-down from a chart to the
// detections behind it and from a detection to its alerts, and the incident list.
//
// Pages (all GET except the login form's POST):
//   /login                 a form asking for the token; POST sets the session cookie
//   /logout                clears it
//   /                      panels of a period (?from=YYYY-MM-DD&to=YYYY-MM-DD, default the last
//                          30 days), compared with the period of the same length before
//   /detections            the detections of the period behind a chart element
//                          (?authority=NAME, ?rule=ID, ?tactic=TA…, ?level=…, ?technique=T…)
//   /detection             one detection's alerts (?authority=&rule=&host=&first=MICROS)
//   /incidents             the incident list
// Authentication: the token is kept in the `rasid_session` cookie (HttpOnly, SameSite=Strict,
// Secure over TLS), checked like a bearer token on every page. What a page shows is narrowed
// the same way as the API: coordinators see every authority, other roles their own; TLP by
// hub::store_levels (tlp.h).

#include <string>

#include <httplib.h>

#include "report/attack.h"
#include "store/store.h"

namespace rasid::hub {

struct DashboardOptions {
  const report::AttackMatrix* matrix = nullptr;  // ATT&CK data; tactic panels need it
  bool secure_cookie = false;                    // set when serving HTTPS
  int default_days = 30;
};

void register_dashboard(httplib::Server& http, store::Store& store, DashboardOptions options);

}  // namespace rasid::hub
