import type { ExtractionAnomaly } from '../model/manifest.ts';
import type { EntryPreparer, PreparedEntry } from './facet-entry.ts';
import type { LayerRecord } from './layer-records.ts';
import { baseName, parentOf } from './paths.ts';

/** Where a file's bytes were read: the layer and the entry's ordinal in that layer's tar. */
export interface ContentOrigin {
  readonly layer: number;
  readonly ordinal: number;
}

export interface FileNode {
  readonly kind: 'file';
  readonly facet: number;
  readonly size: number;
  readonly mode: number;
  readonly mtimeMs: number;
  /** Undefined when the bytes were read unhashed (a hard link's target outside every facet). */
  hash: string | undefined;
  captured: Uint8Array | undefined;
  readonly origin: ContentOrigin;
  /** Whether the path matches a capture pattern (hard links decide this by their own path). */
  readonly capture: boolean;
  /** This path's facet entry, leaf and text, made when the node was set (facet files with a hash). */
  prepared: PreparedEntry | undefined;
}

export interface SymlinkNode {
  readonly kind: 'symlink';
  readonly facet: number;
  readonly target: string;
  readonly mtimeMs: number;
  /** This path's facet entry, leaf and text, made when the node was set (symlinks in a facet). */
  prepared: PreparedEntry | undefined;
}

export interface SpecialNode {
  readonly kind: 'device' | 'fifo';
  readonly layer: number;
}

export interface DirNode {
  readonly kind: 'dir';
  readonly children: Map<string, TreeNode>;
}

export type TreeNode = FileNode | SymlinkNode | SpecialNode | DirNode;

/**
 * The image's filesystem as layers are applied (SPEC §4), one node per path. A tree rather than a flat map
 * so that removing a directory's subtree (whiteouts, a directory replaced by a file) costs its own size.
 */
export class FsTree {
  readonly root: DirNode = { kind: 'dir', children: new Map() };
  readonly anomalies: ExtractionAnomaly[] = [];
  /**
   * Files set without bytes they need (a hash for a facet, content to capture): candidates for the
   * second pass, some since replaced or removed (check with `lookup`). Spares a walk of the whole tree.
   */
  readonly unread: Array<[string, FileNode]> = [];
  /** The last directory looked up: entries come in tar order, so siblings follow each other. */
  private cachedPath: string | null = null;
  private cachedDir: DirNode | null = null;
  private readonly preparer: EntryPreparer | undefined;
  /** Nodes made and prepared from records before they are applied (`prepareAhead`). */
  private readonly ahead = new WeakMap<LayerRecord, FileNode | SymlinkNode>();

  /** With a preparer, each facet file or symlink gets its entry, leaf and text as it is set (`prepared`). */
  constructor(preparer?: EntryPreparer) {
    this.preparer = preparer;
  }

  /**
   * Makes the nodes of records that will be applied later (a layer read before those below it are done)
   * and prepares their facet entries: an entry depends only on its record, so this work is done while the
   * thread waits rather than after the last layer, when everything waits for it. `applyEntries` takes
   * them.
   */
  prepareAhead(records: readonly LayerRecord[], layer: number): void {
    if (!this.preparer) return;
    for (const r of records) {
      if (r.op !== 'file' && r.op !== 'symlink') continue;
      const node = nodeOf(r, layer);
      this.prepare(r.path, node);
      this.ahead.set(r, node);
    }
  }

  /**
   * Applies one layer's records: whiteouts and opaque markers first, against the lower layers only
   * (whatever their place in the tar), then every other entry in tar order.
   */
  applyLayer(records: readonly LayerRecord[], layer: number, layerDigest: string): void {
    this.hideLower(records);
    this.applyEntries(records, layer, layerDigest);
  }

  /** A layer's whiteouts and opaque markers, against what the layers below it left. */
  hideLower(records: readonly LayerRecord[]): void {
    this.cachedPath = null;
    for (const r of records) {
      // Only an existing lower directory is touched: a marker alone never turns a lower file or symlink
      // into a directory (the layer's other entries do, if it has any below that path).
      if (r.op === 'whiteout') {
        const parent = this.lookup(parentOf(r.path));
        if (parent?.kind === 'dir') parent.children.delete(baseName(r.path));
      } else if (r.op === 'opaque') {
        const dir = this.lookup(r.path);
        if (dir?.kind === 'dir') dir.children.clear();
      }
    }
    this.cachedPath = null;
  }

  /**
   * A layer's entries in tar order (its whiteouts and opaque markers are `hideLower`'s). Callable batch by
   * batch for the lowest layer, which has nothing below it to hide.
   */
  applyEntries(records: readonly LayerRecord[], layer: number, layerDigest: string): void {
    for (const r of records) {
      switch (r.op) {
        case 'file':
        case 'symlink':
          this.set(r.path, this.ahead.get(r) ?? nodeOf(r, layer));
          break;
        case 'hardlink':
          this.link(r.path, r.target, r.facet, r.capture, layerDigest);
          break;
        case 'dir':
          this.ensureDir(r.path);
          break;
        case 'device':
        case 'fifo':
          this.set(r.path, { kind: r.op, layer });
          break;
        case 'ignored':
          this.anomalies.push({ kind: 'ignored-entry', layerDigest, path: r.path, message: r.why });
          break;
        case 'whiteout':
        case 'opaque':
        case 'content':
          break;
      }
    }
  }

  /**
   * A hard link takes its target's content, size and mode as they stand now; later changes to either
   * path do not reach the other (SPEC §4). Its facet is decided by its own path.
   */
  private link(path: string, targetPath: string, facet: number, capture: boolean, layerDigest: string): void {
    // The link's directory exists before the link does: a target on that path is no longer a file.
    this.ensureDir(parentOf(path));
    const target = this.lookup(targetPath);
    if (target?.kind === 'file') {
      this.set(path, {
        ...target,
        facet,
        captured: capture ? target.captured : undefined,
        capture,
        prepared: undefined,
      });
    } else if (target?.kind === 'symlink' || target?.kind === 'device' || target?.kind === 'fifo') {
      this.set(path, target.kind === 'symlink' ? { ...target, facet, prepared: undefined } : target);
    } else {
      this.anomalies.push({
        kind: 'hardlink-target-missing',
        layerDigest,
        path,
        message: target
          ? `hard link to directory ${targetPath}`
          : `hard link to ${targetPath}, which does not exist`,
      });
    }
  }

  lookup(path: string): TreeNode | undefined {
    let node: TreeNode = this.root;
    if (path === '/') return node;
    for (const segment of path.slice(1).split('/')) {
      if (node.kind !== 'dir') return undefined;
      const next = node.children.get(segment);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** The directory at `path`, creating missing ones and replacing non-directories (their layer holds a directory there). */
  ensureDir(path: string): DirNode {
    if (path === this.cachedPath) return this.cachedDir!;
    let dir = this.root;
    if (path === '/') return dir;
    for (const segment of path.slice(1).split('/')) {
      const next = dir.children.get(segment);
      if (next?.kind === 'dir') {
        dir = next;
      } else {
        const created: DirNode = { kind: 'dir', children: new Map() };
        dir.children.set(segment, created);
        dir = created;
      }
    }
    this.cachedPath = path;
    this.cachedDir = dir;
    return dir;
  }

  /** A facet file with its hash, or a facet symlink, gets its entry, leaf and text (once). */
  private prepare(path: string, node: FileNode | SymlinkNode): void {
    if (!this.preparer || node.facet < 0 || node.prepared !== undefined) return;
    if (node.kind === 'symlink') node.prepared = this.preparer.prepare(path, node);
    else if (node.hash !== undefined)
      node.prepared = this.preparer.prepare(path, node as FileNode & { hash: string });
  }

  private set(path: string, node: TreeNode): void {
    if (node.kind === 'file') {
      if ((node.facet >= 0 && node.hash === undefined) || (node.capture && !node.captured))
        this.unread.push([path, node]);
      else this.prepare(path, node);
    } else if (node.kind === 'symlink') {
      this.prepare(path, node);
    }
    const children = this.ensureDir(parentOf(path)).children;
    const name = baseName(path);
    // Replacing a directory drops its subtree, which may hold the cached directory.
    if (children.get(name)?.kind === 'dir' && node.kind !== 'dir') this.cachedPath = null;
    children.set(name, node);
  }
}

/** The node a file or symlink record sets, not yet prepared. */
function nodeOf(r: LayerRecord & { op: 'file' | 'symlink' }, layer: number): FileNode | SymlinkNode {
  return r.op === 'file'
    ? {
        kind: 'file',
        facet: r.facet,
        size: r.size,
        mode: r.mode,
        mtimeMs: r.mtimeMs,
        hash: r.hash,
        captured: r.captured,
        origin: { layer, ordinal: r.ordinal },
        capture: r.captured !== undefined,
        prepared: undefined,
      }
    : { kind: 'symlink', facet: r.facet, target: r.target, mtimeMs: r.mtimeMs, prepared: undefined };
}
