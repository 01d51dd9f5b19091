// The web page's files as compiled into progressd: nothing from outside
// (clusters are often air-gapped), nothing a restrictive
// Content-Security-Policy would block, and small.
#include "web/web_assets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace progress {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The one absolute URL allowed: SVG's namespace, a name that is never
// fetched (createElementNS and the icon's xmlns need it).
constexpr char kSvgNamespace[] = "http://www.w3.org/2000/svg";

std::string WithoutSvgNamespace(std::string text) {
  for (size_t at; (at = text.find(kSvgNamespace)) != std::string::npos;) {
    text.erase(at, sizeof kSvgNamespace - 1);
  }
  return text;
}

// What refers outside: a scheme, a protocol-relative URL, or CSS that
// imports or fetches.
const std::regex& ExternalUrl() {
  static const std::regex* const external = new std::regex(
      R"re([a-z][a-z0-9+.-]*:\/\/|(["'`(]|=["']?)\/\/[^\s/]|@import|(?:^|[^\w$])url\(\s*['"]?(?!\/[^\/]|data:))re",
      std::regex::icase);
  return *external;
}

TEST(WebAssetsTest, ThePageAndItsFilesAreAllThere) {
  std::vector<std::string> paths;
  for (const WebAsset& asset : WebAssets()) {
    paths.emplace_back(asset.path);
    EXPECT_FALSE(asset.bytes.empty()) << asset.path;
  }
  EXPECT_THAT(paths, ::testing::UnorderedElementsAre(
                         "/", "/ui/app.js", "/ui/format.js", "/ui/rows.js",
                         "/ui/app.css", "/ui/icon.svg"));
}

TEST(WebAssetsTest, NothingComesFromAnotherHost) {
  const std::regex& external = ExternalUrl();
  for (const WebAsset& asset : WebAssets()) {
    const std::string text = WithoutSvgNamespace(std::string(asset.bytes));
    std::smatch match;
    EXPECT_FALSE(std::regex_search(text, match, external))
        << asset.path << " refers outside: '"
        << text.substr(std::max<long>(0, match.position() - 40), 100) << "'";
  }
}

TEST(WebAssetsTest, TheCheckCatchesWhatItClaimsTo) {
  // The check above, on texts that break the rule and texts that do not.
  const std::regex& external = ExternalUrl();
  for (const char* bad :
       {"<script src=\"https://cdn.example/x.js\">", "src=//cdn.example/x",
        "<link href=\"//fonts.example/f.css\">", "fetch('//evil.example/')",
        "@import 'x.css';", "background: url(http://x/y.png)",
        "src: url('https://fonts.example/f.woff2')", "ws://host:1/"}) {
    EXPECT_TRUE(std::regex_search(std::string(bad), external)) << bad;
  }
  for (const char* good :
       {"// a comment", "fetch('/api/v1/jobs')", "fetch(queryUrl())",
        "url(/ui/icon.svg)", "<link href=\"/ui/app.css\">", "a // b"}) {
    EXPECT_FALSE(std::regex_search(std::string(good), external)) << good;
  }
}

TEST(WebAssetsTest, NothingThePolicyWouldBlockOrThatCouldInjectMarkup) {
  for (const WebAsset& asset : WebAssets()) {
    const std::string text = absl::AsciiStrToLower(std::string(asset.bytes));
    if (asset.path == "/") {
      // Script and style come from our own files only.
      EXPECT_THAT(text, Not(HasSubstr("<style")));
      EXPECT_THAT(text, Not(HasSubstr(" style=")));
      EXPECT_FALSE(std::regex_search(text, std::regex("<script(?![^>]*src=)")))
          << "inline script";
      EXPECT_FALSE(std::regex_search(text, std::regex(R"(\son[a-z]+\s*=)")))
          << "inline event handler";
    }
    if (absl::EndsWith(asset.path, ".js")) {
      // Everything is rendered as text, never parsed as HTML.
      for (const char* sink :
           {".innerhtml", ".outerhtml", "insertadjacenthtml(", "document.write",
            "eval(", "new function("}) {
        EXPECT_THAT(text, Not(HasSubstr(sink))) << sink;
      }
    }
  }
}

TEST(WebAssetsTest, ThePageIsAFewTensOfKilobytes) {
  size_t total = 0;
  for (const WebAsset& asset : WebAssets()) total += asset.bytes.size();
  EXPECT_LE(total, 64u * 1024);
  RecordProperty("page_bytes", static_cast<int>(total));
}

}  // namespace
}  // namespace progress
