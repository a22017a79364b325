import type { Labels, LabelValue, MatchExpression, Requirement } from '../repository/model.js';
import { asNumber } from '../selector/compare.js';
import { matchExpression } from '../selector/match.js';

/** Operators whose result depends only on the label's value and costs a semver parse: worth caching. */
const COMPARING = new Set(['gt', 'ge', 'lt', 'le', 'semver']);

/** Operators a missing key can satisfy; every other one needs the key to be present. */
const MATCHES_MISSING_KEY = new Set(['ne', 'notin', 'doesnotexist', 'logic']);

/** The index's key of a numeric value: `5` and "5.0" both find a label written 5. */
const numberKey = (n: number): string => `#${n}`;

/**
 * Items indexed by their labels, built once, so a requirement is checked against the few items
 * an `eq`/`in` expression (or a required key) points at instead of against every item.
 * `matching` always runs the real selector; the index only narrows the items it looks at.
 */
export class LabelIndex<T> {
  /** Each item's labels and the item, by id (two arrays: no pair object per item). */
  readonly #labels: Labels[] = [];
  readonly #items: T[] = [];
  /** Per label key, built on the first query that names the key: most keys are never queried. */
  readonly #keys = new Map<string, { ids: number[]; byValue: Map<string, number[]> }>();
  /**
   * Results of comparing expressions, by operator, then values, then label value: many labels
   * share a value. A Map keyed by the label value itself tells 1 from "1" and true from "true",
   * as the results may differ. Keyed by text, not by expression object: a large repository has
   * as many expression objects as versions, but few distinct expressions.
   */
  readonly #compared = new Map<string, Map<string, Map<LabelValue, boolean>>>();
  /** The same for expressions with other values than one string, by operator and values as JSON. */
  readonly #comparedOther = new Map<string, Map<LabelValue, boolean>>();

  add(labels: Labels, item: T): void {
    this.#labels.push(labels);
    this.#items.push(item);
    if (this.#keys.size > 0) this.#keys.clear();
  }

  #key(key: string): { ids: number[]; byValue: Map<string, number[]> } {
    let index = this.#keys.get(key);
    if (index === undefined) {
      index = { ids: [], byValue: new Map() };
      for (let id = 0; id < this.#labels.length; id++) {
        const labels = this.#labels[id]!;
        if (!Object.hasOwn(labels, key)) continue;
        index.ids.push(id);
        const value = labels[key]!;
        push(index.byValue, String(value), id);
        if (typeof value === 'number') push(index.byValue, numberKey(value), id);
      }
      this.#keys.set(key, index);
    }
    return index;
  }

  get size(): number {
    return this.#labels.length;
  }

  /** Every item whose labels meet all expressions of the requirement, in the order they were added. */
  matching(requirement: Requirement): T[] {
    const out: T[] = [];
    if (this.#labels.length === 0) return out;
    for (const id of this.#narrow(requirement)) {
      if (this.#matchesAll(this.#labels[id]!, requirement)) out.push(this.#items[id]!);
    }
    return out;
  }

  #matchesAll(labels: Labels, requirement: Requirement): boolean {
    for (let i = 0; i < requirement.length; i++) if (!this.#matches(labels, requirement[i]!)) return false;
    return true;
  }

  #matches(labels: Labels, expr: MatchExpression): boolean {
    if (!COMPARING.has(expr.operator) || !Object.hasOwn(labels, expr.key)) return matchExpression(labels, expr);
    const results = this.#resultsOf(expr);
    const label = labels[expr.key]!;
    let result = results.get(label);
    if (result === undefined) {
      result = matchExpression(labels, expr);
      results.set(label, result);
    }
    return result;
  }

  /** The cached results of one expression, by label value. */
  #resultsOf(expr: MatchExpression): Map<LabelValue, boolean> {
    const only = expr.values.length === 1 ? expr.values[0] : undefined;
    if (typeof only === 'string') return mapAt(mapAt(this.#compared, expr.operator), only);
    return mapAt(this.#comparedOther, `${expr.operator}\0${JSON.stringify(expr.values)}`);
  }

  /** The smallest superset of the matching ids the index can name, in ascending order. */
  #narrow(requirement: Requirement): Iterable<number> {
    let best: readonly number[] | undefined;
    for (const expr of requirement) {
      let ids: readonly number[] | undefined;
      if (expr.operator === 'eq' || expr.operator === 'in') {
        ids = this.#lookup(expr.key, expr.values);
      } else if (!MATCHES_MISSING_KEY.has(expr.operator)) {
        ids = this.#key(expr.key).ids;
      }
      if (ids !== undefined && (best === undefined || ids.length < best.length)) best = ids;
      if (best?.length === 0) break;
    }
    return best ?? this.#labels.keys();
  }

  /** Ids whose label `key` equals one of `values`; the index's own list when there is one (read only). */
  #lookup(key: string, values: readonly unknown[]): readonly number[] {
    const { byValue } = this.#key(key);
    const lists: (readonly number[])[] = [];
    const add = (list: readonly number[] | undefined) => {
      if (list !== undefined) lists.push(list);
    };
    for (const value of values) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
      add(byValue.get(String(value)));
      const n = asNumber(value);
      if (n !== undefined) add(byValue.get(numberKey(n)));
    }
    if (lists.length <= 1) return lists[0] ?? [];
    return [...new Set(lists.flat())].sort((a, b) => a - b);
  }
}

function push<K>(map: Map<K, number[]>, key: K, id: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [id]);
  else if (list[list.length - 1] !== id) list.push(id);
}

/** The map kept in `map` at `key`, made empty when there is none. */
function mapAt<K, K2, V>(map: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = map.get(key);
  if (inner === undefined) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}
