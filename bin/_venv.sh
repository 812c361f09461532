# Sourced by bin/run and bin/test: make sure .venv exists and has this project's locked packages.
# Usage: ensure_venv EXTRAS   (EXTRAS is "" or "[dev]")
# bin/run installs requirements.lock, bin/test requirements-dev.lock (exact versions, the ones
# CI tested); the project itself goes in editable without resolving anything again.
ensure_venv() {
  local extras=$1 python stamp lock
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
  if [ -z "${python:-}" ]; then
    echo "Se necesita Python 3.11 o superior (Python 3.11+ is required)." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "Creando el entorno virtual .venv ..."
    "$python" -m venv .venv
  fi
  lock=requirements.lock
  [ -n "$extras" ] && lock=requirements-dev.lock
  stamp=".venv/.installed-$(cat pyproject.toml "$lock" | sha1sum | cut -c1-12)${extras}"
  if [ ! -f "$stamp" ]; then
    echo "Instalando dependencias${extras:+ de desarrollo} ($lock) ..."
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$lock"
    .venv/bin/python -m pip install --quiet --no-deps -e .
    touch "$stamp"
  fi
}
