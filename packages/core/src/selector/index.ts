/*
 * `@e/core/selector`: label selectors (parsing, matching, formatting), for commands that need
 * nothing else.
 */
export { EError, isEError, SelectorError } from '../errors.js';
export { checkExpression } from './check-expression.js';
export { asVersion, compareLabelValues, compareVersions, satisfiesRange } from './compare.js';
export { formatExpression, formatRequirement } from './format-requirement.js';
export { checkLabelKey, isLabelKey } from './label-key.js';
export { matchExpression, matchesRequirement } from './match.js';
export { normalizeOperator, OPERATOR_SPELLINGS, OPERATORS } from './operators.js';
export { parseSelector, SelectorSyntaxError } from './parse-selector.js';
