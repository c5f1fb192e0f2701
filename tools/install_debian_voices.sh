#!/usr/bin/env bash
# Installs the Debian voices of the text-to-speech pool (flite) when apt-get is usable; otherwise says so and
# goes on: the pool then uses espeak-ng and Piper only (both come from PyPI).
set -u
if command -v flite >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "notice: apt-get not found; skipping the Debian flite voices (install flite yourself to use them)"; exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "notice: no root rights for apt-get; skipping the Debian flite voices (run: sudo apt-get install flite)"; exit 0
fi
echo "installing the Debian flite voices (apt-get install flite)"
$SUDO apt-get install -y -q flite >/dev/null 2>&1 \
  || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q flite >/dev/null 2>&1; } \
  || echo "notice: apt-get could not install flite; the voice pool goes on without its voices"
exit 0
