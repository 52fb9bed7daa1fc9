#!/usr/bin/env bash
# Vivarium set-up: installs what is missing (Debian 12), builds, prepares the guest kernel and
# images, and then either shows Vivarium working (default) or runs the whole test suite (--test).
#   ./setup.sh          set up and run a first sandbox
#   ./setup.sh --test   set up and run every test (what CI runs)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
MODE=demo
[ "${1:-}" = "--test" ] && MODE=test
BUILD=${VIVARIUM_BUILD_DIR:-$ROOT/build}
JOBS=${VIVARIUM_JOBS:-2}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

PACKAGES=(cmake g++ make pkg-config git
  qt6-base-dev qt6-websockets-dev qt6-tools-dev qt6-l10n-tools libqt6svg6 libgl-dev
  libvterm-dev nlohmann-json3-dev
  libvirt-dev libvirt-daemon-system libvirt-clients
  qemu-system-x86 qemu-utils qemu-guest-agent
  busybox-static debootstrap cpio e2fsprogs fakeroot xz-utils zstd kmod binutils
  python3 python3-websockets openssl docker-registry apache2-utils libarchive-dev
  qtkeychain-qt6-dev chromium-headless-shell skopeo umoci)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# As root the session URI reaches the system libvirtd, which nothing starts on machines
# without systemd. A socket file alone proves nothing (a machine image can carry a stale one
# from a libvirtd that is long gone): ask libvirt itself, and start the daemons if it does
# not answer.
libvirt_answers() { timeout 10 virsh -c qemu:///system -q uri >/dev/null 2>&1; }
if [ "$(id -u)" -eq 0 ] && ! libvirt_answers; then
  say "Starting libvirtd"
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
  for _ in $(seq 150); do libvirt_answers && break; sleep 0.2; done
  libvirt_answers || { echo "libvirtd did not start; see 'libvirtd --verbose' for why" >&2; exit 1; }
fi

# Without udev, /dev/kvm stays root-only. libvirt then finds KVM unusable for its QEMU user
# and re-probes QEMU's capabilities on every domain definition (about 50 s each here).
# Give it the permissions Debian's udev rule gives it everywhere else: root:kvm 0660.
if [ "$(id -u)" -eq 0 ] && [ -c /dev/kvm ] && [ "$(stat -c %G /dev/kvm)" != kvm ] && getent group kvm >/dev/null; then
  say "Setting /dev/kvm to root:kvm 0660 (as udev would)"
  chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
fi

say "Building"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$JOBS"

DATA=${VIVARIUM_CACHE_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/vivarium}
say "Preparing guest kernel and images in $DATA (the first time takes a few minutes)"
"$BUILD/libexec/vivarium-image" all "$DATA" "$BUILD/agent/vivarium-agent"

if [ "$MODE" = test ]; then
  say "Running the test suite"
  export VIVARIUM_CACHE_DIR=$DATA
  cd "$BUILD"
  ctest --output-on-failure --timeout 1500 -j1
  exit $?
fi

say "Running a first sandbox"
"$BUILD/bin/viv" run -- python3 -c 'import platform; print("Hello from a Vivarium sandbox:", platform.platform())'
cat <<MSG

Vivarium is ready. Try:
  $BUILD/bin/viv create --name demo
  $BUILD/bin/viv exec -t demo -- sh
  $BUILD/bin/viv ls
MSG
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "There is no display here, so the desktop app was not started."
  echo "On a desktop, open it with: $BUILD/bin/vivarium"
else
  say "Starting the desktop app"
  nohup "$BUILD/bin/vivarium" >/dev/null 2>&1 &
fi
