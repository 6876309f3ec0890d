#!/bin/sh
# The logic of the build-image action (action.yml beside this file), in POSIX sh so that it runs
# in any job image: Debian or Ubuntu (docker CLI), Fedora (buildah), busybox (kaniko's debug image).
#
#   build-image.sh tags       print the image and the two tags this commit gets, as key=value lines
#   build-image.sh builder    print the builder this job can use (docker, buildah or kaniko)
#   build-image.sh checkout   make $GITHUB_WORKSPACE hold the commit to build
#   build-image.sh build      build, push both tags, and write the outputs image, digest, moving-tag
#
# Every input arrives as an environment variable (action.yml maps each input to one), never
# pasted into the script, so no input can inject shell code. docs/builds.md describes the action.
#
#   BUILD_SHA                full commit sha to build and tag (required)
#   BUILD_PR_NUMBER          pull request number; the moving tag is then pr-<N>
#   BUILD_REF_NAME           branch or tag name; the moving tag otherwise (sanitised)
#   BUILD_REF                full ref, fetched when the server refuses to send a commit by sha
#   BUILD_IMAGE              image name without tag; default <registry host>/<owner>/<repo>
#   BUILD_REPOSITORY_URL     the repository's web URL, whose host is the default registry host
#   BUILD_CONTEXT            build context, relative to the workspace (default .)
#   BUILD_DOCKERFILE         Dockerfile, relative to the workspace (default <context>/Dockerfile)
#   BUILD_ARGS               build arguments, one KEY=VALUE a line
#   BUILD_BUILDER            auto | docker | buildah | kaniko (default auto)
#   BUILD_CHECKOUT           true | false: fetch the commit into the workspace (default true)
#   BUILD_GIT_TOKEN          token that may read the repository (the job's own)
#   BUILD_INSECURE_REGISTRY  true | false: plain HTTP or unverified TLS to the registry
#   REGISTRY_USERNAME        registry user (default $GITHUB_ACTOR)
#   REGISTRY_PASSWORD        registry token; written to a private auth file, never to a command line
#   GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_ACTOR: the runner's
set -eu

say() { printf 'build-image: %s\n' "$*" >&2; }
fail() {
  say "$*"
  exit 1
}

# Gitea's container registry accepts these names and tags, nothing else
# (routers/api/packages/container/container.go: imageNamePattern, referencePattern).
IMAGE_PATH_PATTERN='^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$'
TAG_PATTERN='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'

# matches VALUE REGEX: the whole value, which is one line, matches the extended regular expression.
matches() {
  case "$1" in *"
"*) return 1 ;; esac
  printf '%s\n' "$1" | grep -Eq "$2"
}

flag() { # flag NAME VALUE: succeeds for true, fails for false, stops on anything else
  case "$2" in
    true) return 0 ;;
    false | '') return 1 ;;
    *) fail "$1 must be true or false, not '$2'" ;;
  esac
}

commit_sha() {
  matches "${BUILD_SHA:-}" '^([0-9a-f]{40}|[0-9a-f]{64})$' ||
    fail "the commit to build is not a full commit sha: '${BUILD_SHA:-}'"
  printf '%s\n' "$BUILD_SHA"
}

# A ref name as a tag: characters a tag may not hold become '-', runs of '-' shrink to one, leading
# '.' and '-' go (a tag starts with a letter, digit or '_'), and it is cut at 128 characters.
tag_from_ref() {
  printf '%s' "$1" | LC_ALL=C tr -c 'A-Za-z0-9_.-' '-' | sed -e 's/--*/-/g' -e 's/^[.-]*//' | cut -c1-128
}

moving_tag() {
  if [ -n "${BUILD_PR_NUMBER:-}" ]; then
    matches "$BUILD_PR_NUMBER" '^[1-9][0-9]*$' || fail "the pull request number is not a number: '$BUILD_PR_NUMBER'"
    printf 'pr-%s\n' "$BUILD_PR_NUMBER"
    return
  fi
  tag=$(tag_from_ref "${BUILD_REF_NAME:-}")
  if [ -n "$tag" ] && ! matches "$tag" "$TAG_PATTERN"; then fail "internal: '$tag' is not a valid tag"; fi
  printf '%s\n' "$tag"
}

# One part of an owner/repo path as Gitea's registry wants it: lower case, a run of other
# characters or of separators becomes one '-', no separator at either end.
name_segment() {
  printf '%s' "$1" | LC_ALL=C tr 'A-Z' 'a-z' |
    sed -e 's/[^a-z0-9._-][^a-z0-9._-]*/-/g' -e 's/[._-][._-][._-]*/-/g' -e 's/^[._-]*//' -e 's/[._-]*$//'
}

default_image() {
  url=${BUILD_REPOSITORY_URL:-${GITHUB_SERVER_URL:-}}
  host=${url#*://}
  host=$(printf '%s' "${host%%/*}" | LC_ALL=C tr 'A-Z' 'a-z')
  [ -n "$host" ] || fail "cannot tell the registry host (no repository URL and no GITHUB_SERVER_URL): set the image input"
  repository=${GITHUB_REPOSITORY:-}
  owner=$(name_segment "${repository%%/*}")
  name=$(name_segment "${repository#*/}")
  case "$repository" in */*) ;; *) fail "GITHUB_REPOSITORY is not owner/name: '$repository'" ;; esac
  [ -n "$owner" ] && [ -n "$name" ] || fail "cannot make an image name of '$repository': set the image input"
  printf '%s/%s/%s\n' "$host" "$owner" "$name"
}

image_name() {
  image=${BUILD_IMAGE:-}
  [ -n "$image" ] || image=$(default_image)
  host=${image%%/*}
  path=${image#*/}
  case "$host" in
    *.* | *:* | localhost) ;;
    *) fail "image '$image' must start with the registry host, as in gitea.example.com/owner/name" ;;
  esac
  matches "$host" '^[A-Za-z0-9.-]+(:[0-9]+)?$' || fail "image '$image': '$host' is not a registry host"
  case "$path" in
    */*) ;;
    *) fail "image '$image' must be <registry host>/<owner>/<name>: Gitea's registry keeps images under an owner" ;;
  esac
  matches "$path" "$IMAGE_PATH_PATTERN" ||
    fail "image '$image': '$path' is no name Gitea's registry accepts (lower-case letters and digits, one of . _ - between them, / between parts, no tag)"
  printf '%s\n' "$image"
}

cmd_tags() {
  sha=$(commit_sha)
  image=$(image_name)
  moving=$(moving_tag)
  printf 'image=%s\nregistry=%s\nsha-tag=%s\nmoving-tag=%s\n' "$image" "${image%%/*}" "$sha" "$moving"
}

# --- builders ---------------------------------------------------------------------------------

docker_problem() {
  if ! command -v docker >/dev/null 2>&1; then
    echo "no docker CLI on PATH"
  elif ! docker info >/dev/null 2>&1; then
    echo "the docker CLI is here but no daemon answers at ${DOCKER_HOST:-unix:///var/run/docker.sock} (is the socket mounted into the job container?)"
  fi
}

buildah_problem() {
  command -v buildah >/dev/null 2>&1 || echo "no buildah on PATH"
}

kaniko_executor() { printf '%s/executor\n' "${KANIKO_DIR:-/kaniko}"; }

kaniko_problem() {
  executor=$(kaniko_executor)
  [ -x "$executor" ] || echo "no kaniko executor at $executor (the job must run in kaniko's debug image)"
}

cmd_builder() {
  choice=${BUILD_BUILDER:-auto}
  case "$choice" in
    docker | buildah | kaniko)
      problem=$("${choice}_problem")
      [ -z "$problem" ] || fail "builder $choice cannot run here: $problem"
      printf '%s\n' "$choice"
      ;;
    auto)
      docker=$(docker_problem)
      if [ -z "$docker" ]; then echo docker && return; fi
      buildah=$(buildah_problem)
      if [ -z "$buildah" ]; then
        say "docker cannot build here ($docker); using buildah"
        echo buildah && return
      fi
      kaniko=$(kaniko_problem)
      if [ -z "$kaniko" ]; then
        say "docker cannot build here ($docker); no buildah; using kaniko"
        echo kaniko && return
      fi
      fail "no image builder in this job. docker: $docker. buildah: $buildah. kaniko: $kaniko." \
        "Run the job in an image with one of them (docs/builds.md, Builders)."
      ;;
    *) fail "builder must be auto, docker, buildah or kaniko, not '$choice'" ;;
  esac
}

# --- checkout ---------------------------------------------------------------------------------

# git with the job token as an HTTP header in its environment: not on the command line, not in the
# remote URL, not in .git/config (Gitea takes a token as the Basic password: services/auth/basic.go).
git_with_token() {
  if [ -n "${BUILD_GIT_TOKEN:-}" ]; then
    basic=$(printf 'aiworker:%s' "$BUILD_GIT_TOKEN" | base64 | tr -d '\n')
    GIT_TERMINAL_PROMPT=0 GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http.${GITHUB_SERVER_URL%/}/.extraHeader" \
      GIT_CONFIG_VALUE_0="Authorization: Basic $basic" git "$@"
  else
    GIT_TERMINAL_PROMPT=0 git "$@"
  fi
}

checkout_with_git() { # dir sha
  dest=$1 want=$2
  remote="${GITHUB_SERVER_URL%/}/${GITHUB_REPOSITORY}.git"
  [ -d "$dest/.git" ] || git init -q "$dest"
  set -- -C "$dest" -c "safe.directory=$dest"
  # Gitea lets clients fetch any commit by sha (modules/git/config.go: uploadpack.allowAnySHA1InWant)
  # unless partial clones are disabled; then the ref that triggered the run is fetched instead.
  if ! git_with_token "$@" fetch --quiet --no-tags --depth 1 "$remote" "$want" 2>/dev/null; then
    [ -n "${BUILD_REF:-}" ] || fail "cannot fetch $want from $remote, and no ref to fetch instead"
    say "the server sent no commit by sha; fetching $BUILD_REF"
    git_with_token "$@" fetch --quiet --no-tags --depth 50 "$remote" "$BUILD_REF" ||
      fail "cannot fetch $BUILD_REF from $remote"
  fi
  git "$@" -c advice.detachedHead=false checkout --quiet --force "$want" 2>/dev/null ||
    fail "fetched from $remote, but commit $want is not there"
}

checkout_archive() { # dir sha
  dest=$1 want=$2
  url="${GITHUB_SERVER_URL%/}/api/v1/repos/${GITHUB_REPOSITORY}/archive/$want.tar.gz"
  scratch=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/aiworker-src.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  (
    umask 077
    printf 'Authorization: token %s\n' "${BUILD_GIT_TOKEN:-}" >"$scratch/header"
  )
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location -H "@$scratch/header" -o "$scratch/src.tar.gz" "$url" ||
      fail "cannot download $url"
  else
    wget -q --header "$(cat "$scratch/header")" -O "$scratch/src.tar.gz" "$url" || fail "cannot download $url"
  fi
  mkdir "$scratch/src"
  tar -xzf "$scratch/src.tar.gz" -C "$scratch/src"
  # Gitea's archive holds one top directory named after the repository.
  set -- "$scratch"/src/*
  [ "$#" -eq 1 ] && [ -d "$1" ] || fail "the archive of $want does not hold one top directory"
  (cd "$1" && tar -cf - .) | (cd "$dest" && tar -xf -)
  rm -rf "$scratch"
}

cmd_checkout() {
  sha=$(commit_sha)
  workspace=${GITHUB_WORKSPACE:?GITHUB_WORKSPACE is not set}
  if ! flag checkout "${BUILD_CHECKOUT:-true}"; then
    say "checkout is false: building $workspace as it is"
    return
  fi
  mkdir -p "$workspace"
  if command -v git >/dev/null 2>&1 && [ -d "$workspace/.git" ] &&
    [ "$(git -C "$workspace" -c "safe.directory=$workspace" rev-parse HEAD 2>/dev/null)" = "$sha" ]; then
    say "the workspace is at $sha already"
    return
  fi
  if [ ! -d "$workspace/.git" ] && [ -n "$(ls -A "$workspace")" ]; then
    fail "the workspace $workspace is neither empty nor a git checkout: set checkout to false to build it as it is"
  fi
  : "${GITHUB_SERVER_URL:?GITHUB_SERVER_URL is not set}" "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"
  if command -v git >/dev/null 2>&1; then
    checkout_with_git "$workspace" "$sha"
  elif command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1; then
    say "no git in this job's image: downloading the archive of $sha"
    checkout_archive "$workspace" "$sha"
  else
    fail "cannot check out $sha: this job's image has neither git nor curl nor wget"
  fi
  say "checked out $sha into $workspace"
}

# --- build ------------------------------------------------------------------------------------

# Runs the command given as arguments with one --build-arg per line of BUILD_ARGS added at the end.
with_build_args() {
  line_no=0
  while IFS= read -r line; do
    line_no=$((line_no + 1))
    [ -n "$line" ] || continue
    matches "$line" '^[A-Za-z_][A-Za-z0-9_]*=' || fail "build-args line $line_no is not KEY=VALUE: '$line'"
    set -- "$@" --build-arg "$line"
  done <<EOF
${BUILD_ARGS:-}
EOF
  "$@"
}

absolute() { # absolute path of $1, taken relative to the workspace
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    . | ./) printf '%s\n' "${GITHUB_WORKSPACE:-$PWD}" ;;
    *) printf '%s/%s\n' "${GITHUB_WORKSPACE:-$PWD}" "${1#./}" ;;
  esac
}

write_registry_auth() { # dir registry
  [ -n "${REGISTRY_PASSWORD:-}" ] ||
    fail "registry-password is empty. Gitea's automatic Actions token cannot push container images" \
      "(1.24-1.26), so create a personal access token with the write:package scope for a user who may" \
      "write the owner's packages and store it as the Actions secret REGISTRY_TOKEN (docs/builds.md," \
      "Registry credentials). Pull requests from forks get no secrets."
  auth=$(printf '%s:%s' "${REGISTRY_USERNAME:-${GITHUB_ACTOR:-aiworker}}" "$REGISTRY_PASSWORD" | base64 | tr -d '\n')
  mkdir -p "$1"
  (
    umask 077
    printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$2" "$auth" >"$1/config.json"
  )
}

build_with_docker() {
  # DOCKER_CONFIG points the CLI at the private auth file, for pulling bases and for pushing.
  export DOCKER_CONFIG="$work/auth"
  set -- docker build --file "$dockerfile" --tag "$image:$sha"
  [ -z "$moving" ] || set -- "$@" --tag "$image:$moving"
  with_build_args "$@" --label "org.opencontainers.image.revision=$sha" \
    --label "org.opencontainers.image.source=$source_url" "$context"
  docker push "$image:$sha"
  [ -z "$moving" ] || docker push "$image:$moving"
  if flag insecure-registry "${BUILD_INSECURE_REGISTRY:-false}"; then
    say "insecure-registry has no effect with docker: list $registry in the daemon's insecure-registries"
  fi
  # After a push the image's RepoDigests hold <name>@<digest of the manifest in the registry>.
  digest=
  for repo_digest in $(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$image:$sha"); do
    case "$repo_digest" in "$image@"*) digest=${repo_digest#"$image@"} && break ;; esac
  done
}

build_with_buildah() {
  storage=${BUILDAH_STORAGE_DRIVER:-vfs}
  set -- buildah --storage-driver "$storage" build --isolation "${BUILDAH_ISOLATION:-chroot}" \
    --authfile "$work/auth/config.json" --file "$dockerfile" --tag "$image:$sha"
  [ -z "$moving" ] || set -- "$@" --tag "$image:$moving"
  with_build_args "$@" --label "org.opencontainers.image.revision=$sha" \
    --label "org.opencontainers.image.source=$source_url" "$context"
  set -- buildah --storage-driver "$storage" push --authfile "$work/auth/config.json"
  if flag insecure-registry "${BUILD_INSECURE_REGISTRY:-false}"; then set -- "$@" --tls-verify=false; fi
  "$@" --digestfile "$work/digest" "$image:$sha" "docker://$image:$sha"
  [ -z "$moving" ] || "$@" "$image:$sha" "docker://$image:$moving"
  digest=$(cat "$work/digest")
}

build_with_kaniko() {
  # kaniko reads $DOCKER_CONFIG/config.json; it unpacks the image into its own root, but leaves
  # its own directory alone, which is why the work directory lives there.
  export DOCKER_CONFIG="$work/auth"
  set -- "$(kaniko_executor)" --context "dir://$context" --dockerfile "$dockerfile" --destination "$image:$sha"
  [ -z "$moving" ] || set -- "$@" --destination "$image:$moving"
  if flag insecure-registry "${BUILD_INSECURE_REGISTRY:-false}"; then
    set -- "$@" --insecure-registry "$registry" --skip-tls-verify-registry "$registry"
  fi
  with_build_args "$@" --digest-file "$work/digest" --label "org.opencontainers.image.revision=$sha" \
    --label "org.opencontainers.image.source=$source_url"
  digest=$(cat "$work/digest")
}

set_output() {
  printf '%s=%s\n' "$1" "$2"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi
}

cmd_build() {
  sha=$(commit_sha)
  image=$(image_name)
  moving=$(moving_tag)
  registry=${image%%/*}
  builder=$(cmd_builder)
  flag insecure-registry "${BUILD_INSECURE_REGISTRY:-false}" || true
  context=$(absolute "${BUILD_CONTEXT:-.}")
  dockerfile=$(absolute "${BUILD_DOCKERFILE:-${BUILD_CONTEXT:-.}/Dockerfile}")
  [ -d "$context" ] || fail "the build context $context is not a directory"
  [ -f "$dockerfile" ] || fail "no Dockerfile at $dockerfile (set the dockerfile input)"
  source_url=${BUILD_REPOSITORY_URL:-${GITHUB_SERVER_URL%/}/${GITHUB_REPOSITORY:-}}

  if [ "$builder" = kaniko ]; then work_parent=${KANIKO_DIR:-/kaniko}; else work_parent=${RUNNER_TEMP:-${TMPDIR:-/tmp}}; fi
  work=$(mktemp -d "$work_parent/aiworker-build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  write_registry_auth "$work/auth" "$registry"

  if [ -n "$moving" ]; then
    say "building $image:$sha and $image:$moving with $builder"
  else
    say "building $image:$sha with $builder (ref '${BUILD_REF_NAME:-}' gives no moving tag)"
  fi
  "build_with_$builder"
  matches "$digest" '^sha256:[0-9a-f]{64}$' || fail "pushed $image:$sha, but $builder reported no digest ('$digest')"

  set_output image "$image:$sha"
  set_output digest "$digest"
  set_output moving-tag "$moving"
}

case "${1:-}" in
  tags) cmd_tags ;;
  builder) cmd_builder ;;
  checkout) cmd_checkout ;;
  build) cmd_build ;;
  *) fail "usage: build-image.sh tags | builder | checkout | build" ;;
esac
