#!/usr/bin/env bash
# Check that the zh_Hans and en catalogues are complete and committed up to date:
#   1. re-extract every translatable string (makemessages, Python/templates and JavaScript),
#   2. fail if any zh_Hans entry is untranslated or fuzzy,
#   3. fill en with msgid = msgstr (English source strings) and compile both,
#   4. fail if the catalogues differ from what is committed (someone forgot makemessages).
# Needs GNU gettext (Debian package gettext). Usage: scripts/check-translations.sh [--update]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
update=0
[[ "${1:-}" == "--update" ]] && update=1

for tool in xgettext msgattrib msgen msgfmt; do
  command -v "$tool" >/dev/null || { echo "check-translations: $tool not found (apt-get install gettext)" >&2; exit 1; }
done

export GRIDGOV_DATA_DIR=${GRIDGOV_DATA_DIR:-$(mktemp -d)}
locale_dir=src/gridgov/locale
saved=$(mktemp -d)
trap 'rm -rf "$saved"' EXIT
mkdir -p "$locale_dir"
(cd "$locale_dir" && find . -name '*.mo' -exec cp --parents {} "$saved" \;)
cd src/gridgov
for domain in django djangojs; do
  "../../$PY" -m gridgov.manage makemessages --domain "$domain" -l zh_Hans -l en \
    --no-obsolete --no-location --ignore 'static/vendor/*' --ignore 'tests/*' -v0
done
cd ../..

status=0
for domain in django djangojs; do
  zh="$locale_dir/zh_Hans/LC_MESSAGES/$domain.po"
  en="$locale_dir/en/LC_MESSAGES/$domain.po"
  [[ -f "$zh" ]] || continue
  missing=$(msgattrib --untranslated --no-obsolete "$zh" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$zh" | grep -c '^msgid ' || true)
  # msgattrib prints the header entry too (msgid ""), hence "> 1".
  if (( missing > 1 || fuzzy > 1 )); then
    echo "check-translations: $zh has $((missing > 1 ? missing - 1 : 0)) untranslated and $((fuzzy > 1 ? fuzzy - 1 : 0)) fuzzy entries:" >&2
    msgattrib --untranslated --no-obsolete "$zh" | grep -A1 '^msgid ' | head -40 >&2
    msgattrib --only-fuzzy --no-obsolete "$zh" | grep -A1 '^msgid ' | head -40 >&2
    status=1
  fi
  if [[ -f "$en" ]]; then
    msgen --no-wrap "$en" -o "$en.tmp" && mv "$en.tmp" "$en"
  fi
done

(cd src/gridgov && "../../$PY" -m gridgov.manage compilemessages -v0)

# The compiled catalogues must say what the committed ones say (headers aside).
if (( update == 0 )); then
  "$PY" - "$saved" "$locale_dir" <<'PYEOF' || status=1
import gettext, pathlib, sys
saved, locale_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
bad = []
for mo in sorted(locale_dir.glob("*/LC_MESSAGES/*.mo")):
    old = saved / mo.relative_to(locale_dir)
    def cat(path):
        with open(path, "rb") as fh:
            c = dict(gettext.GNUTranslations(fh)._catalog)
        c.pop("", None)
        return c
    if not old.exists() or cat(old) != cat(mo):
        bad.append(str(mo))
if bad:
    print("check-translations: compiled catalogues not committed up to date:", *bad, file=sys.stderr)
    sys.exit(1)
PYEOF
fi

if (( update == 0 )) && command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1; then
  if ! git diff --quiet -I '^"POT-Creation-Date' -I '^"PO-Revision-Date' -- "$locale_dir/*.po" ||
     [[ -n "$(git status --porcelain --untracked-files=all -- "$locale_dir" | grep -v '\.mo$')" ]]; then
    echo "check-translations: the catalogues in $locale_dir are not up to date; run scripts/check-translations.sh --update, translate, and commit:" >&2
    git status --porcelain -- "$locale_dir" >&2
    git diff --stat -- "$locale_dir" >&2
    status=1
  fi
fi
(( status == 0 )) && echo "check-translations: zh_Hans and en catalogues complete and up to date"
exit $status
