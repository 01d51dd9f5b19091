#ifndef PROGRESS_BENCH_BENCH_REPORT_H_
#define PROGRESS_BENCH_BENCH_REPORT_H_

// One run's result table: named figures in the order they were added,
// printed for people or (--json) as one flat JSON object for scripts.
#include <string>
#include <vector>

namespace progress::bench {

class Report {
 public:
  explicit Report(std::string mode) : mode_(std::move(mode)) {}

  // `key` is the JSON name; `label` and `unit` are for people.
  void Add(std::string key, double value, std::string unit, std::string label);
  void AddText(std::string key, std::string value, std::string label);

  void Print(bool json) const;

 private:
  struct Row {
    std::string key, label, unit, text;
    double value = 0;
    bool is_text = false;
  };
  std::string mode_;
  std::vector<Row> rows_;
};

}  // namespace progress::bench

#endif  // PROGRESS_BENCH_BENCH_REPORT_H_
