#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Keeps the documentation honest (CTest docs_links). Usage: docs.sh SOURCE_DIR
# - every relative Markdown link in README.md and docs/*.md names a file of the repository,
#   and its #anchor a heading of that file;
# - every repository path they name in backticks (core/..., tests/...) exists;
# - every test they cite as tst_<file>::<function> is a function of tests/**/tst_<file>.cpp;
# - every reason id of core/**/reason.h is listed in docs/operations.md;
# - no file of the repository points at files outside it (the team's shared notes).
set -u
src=${1:?usage: docs.sh SOURCE_DIR}
cd "$src" || exit 1
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

pages=(README.md docs/*.md)
for page in "${pages[@]}"; do
    [ -f "$page" ] || fail "$page is missing"
done
[ -f docs/operations.md ] || fail "docs/operations.md is missing"

# GitHub's anchor for each heading of a Markdown file: lower case, punctuation dropped,
# blanks as "-".
anchors() {
    grep -E '^#{1,6} ' "$1" | sed -E 's/^#+ +//' | tr '[:upper:]' '[:lower:]' |
        sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
}

# Every test function as tst_<file>::<function>.
test_functions=$(find tests -name 'tst_*.cpp' -not -path '*/node_modules/*' -exec grep -oHE \
    'void [A-Za-z0-9_]+\(\)' {} + | sed -E 's|^.*/(tst_[a-z0-9_]+)\.cpp:void ([A-Za-z0-9_]+)\(\)$|\1::\2|' |
    sort -u)

for page in "${pages[@]}"; do
    dir=$(dirname "$page")
    # [text](target): not web links, and not inside code spans.
    while IFS= read -r link; do
        case $link in http://* | https://* | mailto:*) continue ;; esac
        file=${link%%#*}
        anchor=
        [[ $link == *#* ]] && anchor=${link#*#}
        target=$page
        if [ -n "$file" ]; then
            target=$(realpath -m "$dir/$file")
            case $target in "$PWD"/*) target=${target#"$PWD"/} ;; *)
                fail "$page: link $link leaves the repository"
                continue
                ;;
            esac
            if [ ! -e "$target" ]; then
                fail "$page: link $link: no such file"
                continue
            fi
        fi
        if [ -n "$anchor" ] && [[ $target == *.md ]] && ! anchors "$target" | grep -qxF "$anchor"; then
            fail "$page: link $link: no heading #$anchor in $target"
        fi
    done < <(sed -E 's/`[^`]*`//g' "$page" | grep -oE '\]\([^) ]+\)' | sed -E 's/^\]\(//; s/\)$//')

    # Repository paths in backticks; a test may be named without its .cpp.
    while IFS= read -r path; do
        [ -e "$path" ] || [ -e "$path.cpp" ] || fail "$page: \`$path\` does not exist"
    done < <(grep -oE '`(core|daemon|gui|tests|installer|resources|bench|docs|\.ci)/[A-Za-z0-9_./+-]*`' "$page" |
        tr -d '`' | sort -u)

    # tst_<file>::<function>
    while IFS= read -r cited; do
        fail "$page: $cited: no such test function in tests/**/${cited%%::*}.cpp"
    done < <(grep -oE '\btst_[a-z0-9_]+::[A-Za-z0-9_]+' "$page" | sort -u |
        comm -23 - <(printf '%s\n' "$test_functions"))
done

# Every reason id, wherever the lead keeps the table (core/http/reason.h, core/base/...).
reason_files=$(find core -name 'reason.h' -o -name 'reason.cpp' | sort)
ids=$(cat $reason_files /dev/null | grep -oE '"[a-z]+(_[a-z0-9]+)+"' | tr -d '"' | sort -u)
[ -n "$ids" ] || fail "no reason ids found in core/**/reason.h"
for id in $ids; do
    grep -qF "\`$id\`" docs/operations.md || fail "docs/operations.md: reason id $id is not listed"
done

# Nothing may cite the team's notes outside the repository: a clone does not have them.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    files=$(git ls-files -co --exclude-standard -- . ':!third_party' ':!tests/docs/docs.sh')
else
    files=$(find . \( -name 'build*' -o -name third_party -o -name node_modules -o -name .git \
        -o -name .tools \) -prune -o -type f -not -path ./tests/docs/docs.sh -print)
fi
outside='\.\./shared|/work/shared|\bCOMPAT\b|\bARCHITECTURE\b'
while IFS= read -r hit; do
    fail "refers to a file outside the repository: $hit"
done < <(printf '%s\n' "$files" | tr '\n' '\0' | xargs -0 grep -nIE "$outside" 2>/dev/null)

if [ "$failures" -gt 0 ]; then
    echo "$failures problem(s) in the documentation"
    exit 1
fi
echo "documentation: links, paths, tests and reason ids check out"
