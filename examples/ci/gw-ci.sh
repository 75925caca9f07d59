#!/bin/sh
# CI for a repository of gw manifests: validate, diff against the running gateway, apply.
#
#   gw-ci.sh check   validate + diff. Exit 0 whether or not the diff has changes (the diff is
#                    what reviewers read); with GW_FAIL_ON_CHANGES=1, exit 2 on changes (drift check).
#   gw-ci.sh apply   validate + diff (saved with --out) + apply of exactly that saved plan: if
#                    the gateway changed between the diff and the apply, the apply is refused and
#                    nothing changes.
#
# Exit codes: 0 ok, 1 invalid manifests / gateway unreachable / apply refused, 2 changes (check
# with GW_FAIL_ON_CHANGES=1 only).
#
# Environment:
#   GW                 how to run gw (default: npx --no-install gw, i.e. gw installed in this
#                      repository's package.json, as the README's Quick start installs it)
#   GITHUB_STEP_SUMMARY set by GitHub Actions: the plan is appended to it as Markdown
#   GW_SERVER          admin API URL (default: admin.listen of gateway.yaml)
#   GW_ADMIN_KEY       admin key (read by gw itself; never printed)
#   GW_CONFIG          gateway.yaml to read (default ./gateway.yaml)
#   GW_MANIFESTS       manifest paths, space-separated (default: the manifests gateway.yaml lists)
#   GW_SELECTOR        only plan and apply resources whose labels match (team=search)
#   GW_APPLY_DELETES   1 to let apply delete resources; without it a plan with deletes is refused
set -u

mode=${1:-check}
gw=${GW:-npx --no-install gw}
case $mode in check | apply) ;; *) echo "usage: gw-ci.sh check|apply" >&2; exit 1 ;; esac

# Flags shared by every step, built word by word (POSIX sh has no arrays).
set --
[ -n "${GW_CONFIG:-}" ] && set -- "$@" -c "$GW_CONFIG"
if [ -n "${GW_MANIFESTS:-}" ]; then
  set -- "$@" -f
  for m in $GW_MANIFESTS; do set -- "$@" "$m"; done
fi
validate_flags="$*"
[ -n "${GW_SERVER:-}" ] && set -- "$@" --server "$GW_SERVER"
[ -n "${GW_SELECTOR:-}" ] && set -- "$@" --selector "$GW_SELECTOR"

# GitHub shows annotations on the pull request's files.
format=pretty
[ "${GITHUB_ACTIONS:-}" = "true" ] && format=github

echo "== gw validate"
# shellcheck disable=SC2086 # $gw and the flags are meant to split into words
$gw validate $validate_flags --output "$format" || { echo "gw-ci: the manifests are invalid" >&2; exit 1; }

echo "== gw diff"
# The plan is saved: apply applies exactly it, refused if the gateway moved in between.
plan=${TMPDIR:-/tmp}/gw-plan.$$.json
trap 'rm -f "$plan"' EXIT
$gw diff "$@" --out "$plan"
code=$?
case $code in
  0) echo "gw-ci: no changes" ;;
  2) echo "gw-ci: the plan above has changes" ;;
  *) echo "gw-ci: gw diff failed (exit $code)" >&2; exit 1 ;;
esac
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  # The same plan as Markdown on the run's summary page (a second read of the live config).
  $gw diff "$@" --output markdown >>"$GITHUB_STEP_SUMMARY"
fi

if [ "$mode" = check ]; then
  [ $code -eq 2 ] && [ "${GW_FAIL_ON_CHANGES:-}" = 1 ] && exit 2
  exit 0
fi
[ $code -eq 0 ] && exit 0

echo "== gw apply"
yes=
[ "${GW_APPLY_DELETES:-}" = 1 ] && yes=--yes
# The saved plan names the gateway it was made against (GW_SERVER or gateway.yaml's admin.listen).
# shellcheck disable=SC2086 # $yes is empty or a flag
$gw apply "$plan" $yes || { echo "gw-ci: the apply was refused; nothing changed" >&2; exit 1; }
