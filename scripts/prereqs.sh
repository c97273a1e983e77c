#!/usr/bin/env bash
# Makes sure what the local stack needs is on this machine: a Docker engine that answers,
# the CNCF distribution registry binary, and a busybox:latest base image; and what the aws tests
# need: AWS's template linter (cfn-lint) and the moto AWS emulator (moto_server), from pip.
# On Debian as root it installs and starts what is missing; anywhere else it says what to do.
# Idempotent and quiet when everything is already there.
set -euo pipefail

# The client the local stack runs (src/adapters/local/docker-binary.ts): SLIPWAY_DOCKER, else Debian's.
DOCKER=${SLIPWAY_DOCKER:-/usr/bin/docker}
say() { printf 'slipway prereqs: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

is_debian_root() { [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; }

missing=()
[ -x "$DOCKER" ] && command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || missing+=(busybox-static)

if [ ${#missing[@]} -gt 0 ]; then
  if is_debian_root; then
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}) and run again."
  fi
fi

# The aws test project lints the packaged template with cfn-lint and runs the ECS adapter against
# moto_server. Install them with pip only when missing; no PyPI, no install: say so and stop.
py_missing=()
command -v cfn-lint >/dev/null 2>&1 || py_missing+=(cfn-lint)
command -v moto_server >/dev/null 2>&1 || py_missing+=('moto[server]')
if [ ${#py_missing[@]} -gt 0 ]; then
  pip=$(command -v pip3 || command -v pip || true)
  [ -n "$pip" ] || die "missing ${py_missing[*]} and no pip to install them. Install Python 3 with pip, then: pip install ${py_missing[*]}"
  say "installing ${py_missing[*]} (pip)"
  "$pip" install --quiet "${py_missing[@]}" \
    || die "pip install ${py_missing[*]} failed (is PyPI reachable?). Install them yourself and run again: the aws tests need cfn-lint and moto_server."
  hash -r
  command -v cfn-lint >/dev/null 2>&1 && command -v moto_server >/dev/null 2>&1 \
    || die "pip installed ${py_missing[*]} but cfn-lint or moto_server is not on PATH; add pip's bin directory to PATH."
fi

if ! "$DOCKER" info >/dev/null 2>&1; then
  if is_debian_root; then
    # A dockerd that was killed (as every process is between sessions) leaves its pid files
    # behind, and a new dockerd refuses to start while they exist. Clear them only when the
    # process they name is gone; wait briefly for a dockerd that is still shutting down.
    for _ in $(seq 1 20); do pgrep -x dockerd >/dev/null || break; sleep 0.5; done
    pgrep -x dockerd >/dev/null && die "a dockerd process is running but not answering; stop it (pkill dockerd) and run again."
    for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
      if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then rm -f "$pidfile"; fi
    done
    say "starting dockerd (log: /var/log/slipway-dockerd.log)"
    # setsid: dockerd must outlive the npm/CI process group that started it.
    setsid nohup dockerd >/var/log/slipway-dockerd.log 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
      "$DOCKER" info >/dev/null 2>&1 && break
      sleep 0.5
    done
    "$DOCKER" info >/dev/null 2>&1 || die "dockerd did not come up in 30s; see /var/log/slipway-dockerd.log"
  else
    die "the Docker engine is not answering ($DOCKER info failed). Start it (sudo systemctl start docker) and run again."
  fi
fi

if ! "$DOCKER" image inspect busybox:latest >/dev/null 2>&1; then
  # No registry to pull from here: build the base image from the static busybox binary.
  bb=$(command -v busybox || true)
  [ -x /bin/busybox ] && bb=/bin/busybox
  [ -n "$bb" ] || die "busybox binary not found; install busybox-static"
  say "creating busybox:latest from $bb (docker import)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/root/bin" "$tmp/root/tmp" "$tmp/root/etc" "$tmp/root/var/www"
  cp "$bb" "$tmp/root/bin/busybox"
  for applet in $("$tmp/root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$tmp/root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$tmp/root/etc/passwd"
  echo 'root:x:0:' > "$tmp/root/etc/group"
  tar -C "$tmp/root" -c . | "$DOCKER" import -c 'CMD ["sh"]' -c 'ENV PATH=/bin' - busybox:latest >/dev/null
fi
