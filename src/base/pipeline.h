#pragma once
// Building blocks of the reader -> N workers -> consumer pipelines (rasid hunt, rasid convert):
// a bounded work queue and a board that hands results back in sequence order.
//
// Memory stays bounded: the queue holds at most `capacity` items (the producer waits), and a
// worker whose result is far ahead of the next one the consumer needs waits too.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <utility>

namespace rasid {

// Bounded multi-producer multi-consumer queue.
template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  void push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_; });
    items_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  // Waits for an item; false once the queue is closed and empty.
  bool pop(T& out) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return false;
    out = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

// Results keyed by a sequence number 0, 1, 2, ... Ordered: the consumer takes them strictly
// in sequence order; unordered: as they come (no worker ever waits for a slow one ahead).
template <class T>
class ResultBoard {
 public:
  ResultBoard(std::size_t capacity, bool ordered) : capacity_(capacity), ordered_(ordered) {}

  void put(std::uint64_t sequence, T result) {
    std::unique_lock lock(mutex_);
    has_room_.wait(lock, [&] {
      return ordered_ ? sequence < next_ + capacity_ : ready_.size() < capacity_;
    });
    ready_.emplace(sequence, std::move(result));
    changed_.notify_all();
  }
  // Waits up to `timeout` for the next result; false on timeout or when all are taken.
  bool take(T& out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    auto available = [&] { return ordered_ ? ready_.find(next_) : ready_.begin(); };
    // Wake for the next result or for the end; not merely because the producer finished
    // (the workers may still be busy: returning then would make the caller spin).
    changed_.wait_for(lock, timeout, [&] {
      return available() != ready_.end() || (finished_ && next_ >= total_);
    });
    auto it = available();
    if (it == ready_.end()) return false;
    out = std::move(it->second);
    ready_.erase(it);
    ++next_;  // ordered: the next sequence; unordered: the number taken
    has_room_.notify_all();
    return true;
  }
  // The producer is done: `total` results will have been put.
  void finish(std::uint64_t total) {
    std::lock_guard lock(mutex_);
    total_ = total;
    finished_ = true;
    changed_.notify_all();
  }
  bool all_taken() {
    std::lock_guard lock(mutex_);
    return finished_ && next_ >= total_;
  }

 private:
  std::size_t capacity_;
  bool ordered_;
  std::mutex mutex_;
  std::condition_variable changed_, has_room_;
  std::map<std::uint64_t, T> ready_;
  std::uint64_t next_ = 0;
  std::uint64_t total_ = 0;
  bool finished_ = false;
};

}  // namespace rasid
