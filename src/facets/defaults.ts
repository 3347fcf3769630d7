// The seed's §6 default facet definitions, embedded verbatim (SPEC §5). Order is precedence: a file
// belongs to the first facet whose include globs match and whose exclude globs do not.
export const DEFAULT_FACETS_YAML = `
# Default facet configuration (seed §6), in its order: membership is first match (SPEC §5).
facets:
  - facetId: os
    type: OS
    includeGlobs:
      - /var/lib/dpkg/**
      - /var/lib/rpm/**
      - /var/lib/pacman/**
      - /var/lib/apk/**
      - /var/cache/apt/**
      - /etc/apt/**
      - /etc/yum.repos.d/**
    excludeGlobs:
      - "**/*.log"
    quota:
      maxChurnPercent: 5.0
      maxChangedFiles: 100
      onExceed: Warn
  - facetId: lang/node
    type: LangNode
    includeGlobs:
      - "**/node_modules/**"
      - "**/package.json"
      - "**/package-lock.json"
      - "**/yarn.lock"
      - "**/pnpm-lock.yaml"
    quota:
      maxChurnPercent: 10.0
      maxChangedFiles: 500
      onExceed: RequireVex
  - facetId: lang/python
    type: LangPython
    includeGlobs:
      - "**/site-packages/**"
      - "**/dist-packages/**"
      - "**/requirements.txt"
      - "**/Pipfile.lock"
      - "**/poetry.lock"
    quota:
      maxChurnPercent: 10.0
      maxChangedFiles: 200
      onExceed: Warn
  - facetId: lang/go
    type: LangGo
    includeGlobs:
      - "**/go.mod"
      - "**/go.sum"
      - "**/vendor/**"
    quota:
      maxChurnPercent: 15.0
      maxChangedFiles: 100
      onExceed: Warn
  - facetId: binary
    type: Binary
    includeGlobs:
      - /usr/bin/*
      - /usr/sbin/*
      - /bin/*
      - /sbin/*
      - /usr/lib/**/*.so*
      - /lib/**/*.so*
      - /usr/local/bin/*
    excludeGlobs:
      - "**/*.py"
      - "**/*.sh"
    quota:
      maxChurnPercent: 2.0
      maxChangedFiles: 20
      onExceed: Block
  - facetId: config
    type: Config
    includeGlobs:
      - /etc/**
      - "**/*.conf"
      - "**/*.cfg"
      - "**/*.ini"
      - "**/*.yaml"
      - "**/*.yml"
      - "**/*.json"
    excludeGlobs:
      - /etc/passwd
      - /etc/shadow
      - /etc/group
      - "**/*.log"
    quota:
      maxChurnPercent: 20.0
      maxChangedFiles: 50
      onExceed: Warn
`;
