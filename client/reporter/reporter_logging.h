#ifndef PROGRESS_CLIENT_REPORTER_REPORTER_LOGGING_H_
#define PROGRESS_CLIENT_REPORTER_REPORTER_LOGGING_H_

#include "reporter.h"

namespace progress::reporter {

// The reporter's loggers, each with a sink of its own (a sink holds its
// logger's pattern): `log` writes the seed's Python logging lines
// ("2026-11-26 13:29:14,186 INFO progress-reporter: ...") and `summary` bare
// lines, both to stderr, which people read; `json` bare lines to stdout,
// which programs read. Every line is flushed as it is written.
ReporterOutput MakeReporterOutput();

}  // namespace progress::reporter

#endif  // PROGRESS_CLIENT_REPORTER_REPORTER_LOGGING_H_
