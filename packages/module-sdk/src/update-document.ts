import { type Document, isMap, isScalar, isSeq, type Node, YAMLMap, YAMLSeq } from 'yaml';

/**
 * Sets `doc[key]` to `value` by editing the existing nodes in place, so comments, key order and
 * scalar styles survive wherever the value did not change (a hand-written comment on azi's node 1
 * is still there after kafka marks that node used). `undefined` deletes the key.
 */
export function setTopLevel(doc: Document, key: string, value: unknown): void {
  if (!isMap(doc.contents)) {
    doc.contents = doc.createNode({}) as YAMLMap;
  }
  const map = doc.contents as YAMLMap;
  if (value === undefined) {
    map.delete(key);
    return;
  }
  const current = map.get(key, true) as Node | undefined;
  if (current === undefined) {
    map.set(key, doc.createNode(value));
    return;
  }
  map.set(key, updateNode(doc, current, value));
}

function updateNode(doc: Document, node: Node, value: unknown): Node {
  if (isPlainObject(value) && isMap(node)) {
    for (const pair of [...node.items]) {
      const k = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof k !== 'string' || !(k in value)) node.delete(pair.key);
    }
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) {
        node.delete(k);
        continue;
      }
      const child = node.get(k, true) as Node | undefined;
      node.set(k, child === undefined ? doc.createNode(v) : updateNode(doc, child, v));
    }
    return node;
  }
  if (Array.isArray(value) && isSeq(node)) {
    const items = node.items as Node[];
    value.forEach((v, i) => {
      const child = items[i];
      items[i] = child === undefined ? (doc.createNode(v) as Node) : updateNode(doc, child, v);
    });
    items.length = value.length;
    return node;
  }
  if (isScalar(node) && !isPlainObject(value) && !Array.isArray(value)) {
    if (node.value !== value) node.value = value;
    return node;
  }
  const created = doc.createNode(value) as Node;
  if (isSeq(node) && created instanceof YAMLSeq) created.flow = node.flow;
  if (isMap(node) && created instanceof YAMLMap) created.flow = node.flow;
  return created;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
