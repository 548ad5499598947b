#!/usr/bin/env bash
# Installs what casepipe needs on a fresh clone; a no-op when everything is there.
# Called by `npm run demo`, `npm test`, `npm run bench` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node packages, exactly as locked.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing Node packages (npm ci)"
  npm ci --no-audit --no-fund
fi

# The operations tests scrape the worker with a real Prometheus (Debian's package).
if ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing Prometheus for the operations tests (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null) ||
      echo "[setup] could not install Prometheus; the operations tests will say so" >&2
  else
    echo "[setup] Prometheus is missing (apt-get install prometheus); the operations tests need it" >&2
  fi
fi

# Real tools for the tests that look at what people see (Debian packages): Chromium drives the status
# page and prints report.html and the monthly issue to PDF (through playwright-core); poppler turns PDF
# pages into PNG and text; LibreOffice prints report.xlsx; the CJK fonts give 仿宋/黑体 glyphs;
# docker-compose validates docker-compose.yml without a Docker engine.
apt_missing=()
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || apt_missing+=(docker-compose)
command -v pdftoppm >/dev/null 2>&1 || apt_missing+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || apt_missing+=(libreoffice-calc-nogui)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto 2>/dev/null | grep -q CJK || apt_missing+=(fonts-noto-cjk)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || apt_missing+=(fonts-wqy-zenhei)
if [ ${#apt_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing ${apt_missing[*]} for the operations and report tests (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${apt_missing[@]}" >/dev/null) ||
      echo "[setup] could not install ${apt_missing[*]}; the tests that need them will say so" >&2
  else
    echo "[setup] the operations and report tests need: ${apt_missing[*]} (apt-get install them)" >&2
  fi
fi

# The local Kafka broker needs Java 17+ and Maven, unless an existing broker is named.
if [ -z "${KAFKA_BROKERS:-}" ]; then
  missing=()
  command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ] || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "[setup] installing ${missing[*]} for the local Kafka broker (apt-get)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
      echo "[setup] the local Kafka broker needs: ${missing[*]} (Java 17+, Maven). Install them, or set KAFKA_BROKERS." >&2
    fi
  fi
fi
