#!/usr/bin/env bash
# `make image`: builds deploy/Dockerfile with buildah as eiso:<version in pyproject.toml>.
#
# The base is the upstream Python image (PYTHON_IMAGE, python:3.11-slim-bookworm) when its
# registry answers. Where it does not (an offline CI machine), the base is a local Debian 12
# image made once with debootstrap (minbase, Debian's Python 3.11 and its security updates)
# and kept in buildah's storage as localhost/eiso-base:bookworm-python3.11; the .deb files
# are cached under .data/image/. Production images are built from the upstream base.
#
# Environment:
#   IMAGE           the tag to build (eiso:<version>)
#   PYTHON_IMAGE    the upstream base (python:3.11-slim-bookworm)
#   EISO_BASE       upstream | local (skip the reachability check)
#   STORAGE_DRIVER  containers/storage driver (overlay; vfs where overlays cannot stack)
#   DEBIAN_MIRROR   for debootstrap (http://deb.debian.org/debian)
#   PIP_CERT        a CA bundle for pip behind a TLS-inspecting proxy (a build secret)
# Needs root (or sudo) for apt, debootstrap and buildah's storage.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
IMAGE=${IMAGE:-eiso:$version}
PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11-slim-bookworm}
LOCAL_BASE=localhost/eiso-base:bookworm-python3.11
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
export STORAGE_DRIVER=${STORAGE_DRIVER:-overlay}
# chroot isolation runs the RUN steps without an OCI runtime or cgroups (works inside VMs
# and CI sandboxes where runc/crun cannot set up a container).
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
CACHE=$(pwd)/.data/image

need() {  # the Debian packages that provide the given commands, installed when missing
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%=*}" > /dev/null || missing+=("${pair#*=}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (apt)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" > /dev/null
  fi
}

registry_of() {  # docker.io names have no registry host in them
  local first=${1%%/*}
  if [[ $1 == */* && ($first == *.* || $first == *:* || $first == localhost) ]]; then
    echo "$first"
  else
    echo registry-1.docker.io
  fi
}

reachable() {  # any HTTP answer (401 included) means the registry is there
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --connect-timeout 3 --max-time 5 "https://$1/v2/" || true)
  [ -n "$code" ] && [ "$code" != 000 ]
}

local_base() {
  if $SUDO buildah inspect --type image "$LOCAL_BASE" > /dev/null 2>&1; then
    echo "base: $LOCAL_BASE (cached)" >&2
    return
  fi
  need debootstrap=debootstrap
  echo "base: making $LOCAL_BASE with debootstrap (once)" >&2
  mkdir -p "$CACHE/debs"
  local ctr mnt
  ctr=$($SUDO buildah from scratch)
  trap '$SUDO buildah rm "$ctr" > /dev/null 2>&1 || true' EXIT
  mnt=$($SUDO buildah mount "$ctr")
  # python-is-python3: the Dockerfile calls `python`, as the upstream image provides it.
  $SUDO debootstrap --variant=minbase --cache-dir="$CACHE/debs" \
    --include=python3,python3-venv,python-is-python3,ca-certificates,tzdata \
    bookworm "$mnt" "$DEBIAN_MIRROR" >&2
  # The point release debootstrap installs, plus the security and stable updates since.
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
    "$DEBIAN_MIRROR" "$DEBIAN_MIRROR" "${DEBIAN_MIRROR%/debian}/debian-security" \
    | $SUDO tee "$mnt/etc/apt/sources.list" > /dev/null
  $SUDO chroot "$mnt" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq' >&2
  # What the slim images leave out too: package lists and caches, manuals, translations;
  # the copyright files stay.
  $SUDO chroot "$mnt" sh -c 'apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/*.log \
    /usr/share/man/* /usr/share/info/* /usr/share/locale/* /var/cache/debconf/*-old \
    && find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete'
  $SUDO buildah unmount "$ctr" > /dev/null
  $SUDO buildah config --env LANG=C.UTF-8 --cmd python3 \
    --label org.opencontainers.image.description="Debian 12 minbase with Debian's Python 3.11 (eISO's offline build base)" \
    "$ctr"
  $SUDO buildah commit --quiet --format docker --rm "$ctr" "$LOCAL_BASE" > /dev/null
  trap - EXIT
}

need buildah=buildah curl=curl

case "${EISO_BASE:-}" in
  upstream) base=$PYTHON_IMAGE ;;
  local) local_base; base=$LOCAL_BASE ;;
  *)
    if reachable "$(registry_of "$PYTHON_IMAGE")"; then
      base=$PYTHON_IMAGE
    else
      echo "$(registry_of "$PYTHON_IMAGE") unreachable: building on the local Debian 12 base" >&2
      local_base
      base=$LOCAL_BASE
    fi
    ;;
esac
echo "base: $base"

started=$(date +%s)
# --layers: unchanged steps (the dependency layer above all) are reused on the next build.
# --format docker: the OCI format has no HEALTHCHECK.
# PIP_CERT (a CA bundle, for a TLS-inspecting proxy) reaches the dependency step as a build
# secret: mounted for that step, in no layer.
secret=()
if [ -n "${PIP_CERT:-}" ] && [ -s "$PIP_CERT" ]; then secret=(--secret "id=pip_cert,src=$PIP_CERT"); fi
$SUDO buildah build --layers --format docker --file deploy/Dockerfile "${secret[@]}" \
  --build-arg PYTHON_IMAGE="$base" --build-arg VERSION="$version" --tag "$IMAGE" .
elapsed=$(($(date +%s) - started))

size=$($SUDO buildah images --format '{{.Size}}' "$IMAGE" | head -1)
layers=$($SUDO buildah inspect --type image --format '{{len .OCIv1.RootFS.DiffIDs}}' "$IMAGE")
echo "image: $IMAGE ($size, $layers layers, built in ${elapsed} s on $base)"
