#!/bin/sh
# Installs what primer needs to build and test, from Debian's archive only.
# Quiet and quick when everything is already there; otherwise it says what it
# installs and uses apt-get, directly as root or through sudo.
#
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --fuzz     also clang's libFuzzer runtime
#   scripts/install-deps.sh --peers    also NumPy/scikit-learn/PyTorch (fixtures, benchmarks)
#   scripts/install-deps.sh --blis-openmp, --blis-pthread
#                                      also BLIS, that flavour (make BLAS=blis)
#   scripts/install-deps.sh --datasets also Fashion-MNIST (primer train --data fashion-mnist) and
#                                      the fortunes corpus (primer train --task lm)
set -eu

pkgs="make gcc pkg-config libopenblas-dev liblapacke-dev libcriterion-dev zlib1g-dev libopenmpi-dev openmpi-bin"
for arg in "$@"; do
  case "$arg" in
    --fuzz)  pkgs="$pkgs clang libclang-rt-dev" ;;
    --peers) pkgs="$pkgs python3-numpy python3-sklearn python3-torch" ;;
    --blis-openmp) pkgs="$pkgs libblis-openmp-dev" ;;
    --blis-pthread) pkgs="$pkgs libblis-pthread-dev" ;;
    --datasets) pkgs="$pkgs dataset-fashion-mnist fortunes" ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing packages:$missing" >&2
  echo "install-deps: apt-get not found; install them with your package manager." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "install-deps: missing packages:$missing" >&2
  echo "install-deps: not root and sudo is not available; run as root: apt-get install$missing" >&2
  exit 1
fi

echo "install-deps: installing from Debian's archive:$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists; refresh them once if needed.
if ! $sudo apt-get install -y --no-install-recommends $missing; then
  echo "install-deps: refreshing package lists (apt-get update) and retrying"
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends $missing
fi
