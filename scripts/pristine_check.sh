#!/usr/bin/env bash
# `make test` as root in a pristine Debian bookworm root, as on a fresh machine: debootstrap, then
# only python3, python3-venv, python3-pip, make, git and curl; this checkout (its HEAD commit)
# cloned in, with the shared real data beside it. Not run by CI: needs root, the network (Debian
# and PyPI) and about half an hour. Usage: sudo scripts/pristine_check.sh [rootfs folder]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ROOTFS=${1:-/var/tmp/bookworm-pristine}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SHARED=${SHARED:-$REPO/../shared}
LOG=${LOG:-$ROOTFS.make-test.log}
export DEBIAN_FRONTEND=noninteractive

command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
[ -x "$ROOTFS/usr/bin/apt-get" ] || debootstrap bookworm "$ROOTFS" "$MIRROR"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"

mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -R "${mounted[i]}" || true; done
}
trap cleanup EXIT
mount_once() {  # mount_once <what> <where> <mount options...>
  if ! mountpoint -q "$2"; then
    mount "${@:3}" "$1" "$2"
    mounted+=("$2")
  fi
}
mount_once proc "$ROOTFS/proc" -t proc
mount_once /dev "$ROOTFS/dev" --rbind
mount_once /sys "$ROOTFS/sys" --rbind
mount --make-rslave "$ROOTFS/dev"  # unmounting here must never reach the host's mounts
mount --make-rslave "$ROOTFS/sys"

chroot "$ROOTFS" apt-get update -qq
chroot "$ROOTFS" apt-get install -y -qq --no-install-recommends \
  python3 python3-venv python3-pip make git curl

# The host's own extra certificate authorities (a TLS-inspecting proxy in front of PyPI, say):
# network plumbing of this machine, not software; without them pip cannot reach PyPI here.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$ROOTFS/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
  chroot "$ROOTFS" update-ca-certificates >/dev/null
fi

rm -rf "$ROOTFS/root/archival-ocr" "$ROOTFS/root/shared"
git clone -q --no-local "$REPO" "$ROOTFS/root/archival-ocr"
git -C "$ROOTFS/root/archival-ocr" checkout -q --detach "$(git -C "$REPO" rev-parse HEAD)"
cp -a "$SHARED" "$ROOTFS/root/shared"

echo "pristine check: $(git -C "$REPO" rev-parse --short HEAD) in $ROOTFS; log: $LOG" >&2
set +e
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
chroot "$ROOTFS" /usr/bin/env -i HOME=/root PATH="$CLEAN_PATH" LANG=C.UTF-8 \
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
  /bin/bash -c "cd /root/archival-ocr && make test" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
echo "pristine check: make test exited $status" | tee -a "$LOG" >&2
exit "$status"
