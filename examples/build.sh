#!/usr/bin/env bash
# Rebuilds every WebAssembly guest (examples and test guests) from its C or WAT source.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Each check names the Debian package that provides what is missing.
require_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "build.sh: '$1' not found; install it with: apt-get install $2" >&2
    exit 1
  fi
}

require_file() {
  if [[ ! -e "$1" ]]; then
    echo "build.sh: $1 not found; install it with: apt-get install $2" >&2
    exit 1
  fi
}

# Debian's clang finds wasi-libc under /usr/{include,lib}/wasm32-wasi, so no --sysroot is needed.
require_tool clang clang
require_tool wasm-ld lld
require_tool wat2wasm wabt
require_tool wasm-opt binaryen
require_file /usr/include/wasm32-wasi/stdio.h wasi-libc
require_file /usr/lib/wasm32-wasi/libc.a wasi-libc
require_file "$(clang -print-resource-dir)/lib/wasi/libclang_rt.builtins-wasm32.a" \
  libclang-rt-14-dev-wasm32

# Writes beside the target and renames, so an interrupted build never leaves a half module.
build_c() {
  local source="$1" target="${1%.c}.wasm" tmp="${1%.c}.wasm.tmp"
  shift
  clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror \
    -Wl,--strip-all -z stack-size=16384 "$@" -o "$tmp" "$source"
  wasm-opt -Oz "$tmp" -o "$tmp"
  mv "$tmp" "$target"
  echo "built ${target#"$root"/} ($(stat -c %s "$target") bytes)"
}

build_wat() {
  local source="$1" target="${1%.wat}.wasm" tmp="${1%.wat}.wasm.tmp"
  wat2wasm "$source" -o "$tmp"
  mv "$tmp" "$target"
  echo "built ${target#"$root"/} ($(stat -c %s "$target") bytes)"
}

# hello runs once per request, so it links without libc into a single page of memory.
build_c "$root/examples/hello/hello.c" -nostdlib -Wl,--initial-memory=65536
build_c "$root/examples/echo/echo.c"

for source in "$root"/test/guests/*.c; do
  build_c "$source"
done
for source in "$root"/test/guests/*.wat; do
  build_wat "$source"
done

printf 'this is not wasm\n' >"$root/test/guests/not-wasm.wasm"
echo "wrote test/guests/not-wasm.wasm"
