#!/usr/bin/env bash
# Debian packages the app and the tests need: Chromium for the browser tests, Noto CJK fonts and
# Pango for WeasyPrint's PDFs, poppler-utils (pdftotext) to read PDFs back in tests, gettext for
# catalogue checks, nginx to check deploy/nginx/ (nginx -t), curl and jq to run docs/api.md's
# worked example, PostgreSQL for the second database.
# Installs only what is missing, and only as root; otherwise says what to install.
set -euo pipefail
wanted=(chromium fonts-noto-cjk gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils nginx-light curl jq)
[ "${WITH_POSTGRES:-0}" = 1 ] && wanted+=(postgresql)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "Installing ${missing[*]} …" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
