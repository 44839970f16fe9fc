#!/usr/bin/env bash
# System packages the tests need, installed only when missing (Debian/Ubuntu; needs root or sudo).
# - a Java runtime for the HermiT reasoner (owlready2);
# - Chromium and its WebDriver for the browser tests (driven headless by Playwright, never downloaded by it);
# - Node.js and npm for the BPMN tests' tools (bpmnlint, bpmn-js), installed by `make node-deps` from tools/node;
# - fonts with Chinese glyphs and a metric-stable Latin face, so zh labels render (not as boxes) in screenshots.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)  # bpmnlint and bpmn-js for the BPMN tests (make node-deps)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -i "DejaVu Sans" >/dev/null || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing system packages: ${need[*]}"
# Wait for a concurrent apt/dpkg run instead of failing on its lock.
APT=(apt-get -o DPkg::Lock::Timeout=600)
$SUDO "${APT[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $SUDO "${APT[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null
