import { Script } from 'node:vm';
import { parse } from '@babel/parser';

/** Where a module awaits at its top level: 1-based line and column, and the text there. */
export interface TopLevelAwait {
  /** The line, from 1. */
  readonly line: number;
  /** The column, from 1. */
  readonly column: number;
}

interface Node {
  readonly type: string;
  readonly loc?: { readonly start: { readonly line: number; readonly column: number } } | null;
  readonly await?: boolean;
}

/** Node types whose body is not the module's top level: an await there is an ordinary one. */
const FUNCTIONS = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ObjectMethod',
  'ClassMethod',
  'ClassPrivateMethod',
]);

/** Node fields that hold no code. */
const SKIPPED = new Set(['loc', 'leadingComments', 'trailingComments', 'innerComments', 'extra', 'errors', 'comments']);

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/**
 * The first top-level `await` of the ES module `text` (an `await` expression or a `for await` outside
 * every function), or `undefined` when it has none or does not parse (the module loader reports that).
 * A confined compartment cannot run one: the SES module transform turns the module into a function
 * that is not async, where V8 reports only `missing ) after argument list` or the like, with no place.
 */
export function findTopLevelAwait(text: string): TopLevelAwait | undefined {
  if (!text.includes('await')) return undefined;
  let program: Node;
  try {
    program = parse(text, { sourceType: 'module', allowAwaitOutsideFunction: true, errorRecovery: true }).program;
  } catch {
    return undefined;
  }
  const pending: unknown[] = [program];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
      continue;
    }
    if (!isNode(value) || FUNCTIONS.has(value.type)) continue;
    if (value.type === 'AwaitExpression' || (value.type === 'ForOfStatement' && value.await === true)) {
      const start = value.loc?.start;
      return start === undefined ? undefined : { line: start.line, column: start.column + 1 };
    }
    // children go on the stack last first, so the first await in the text is found first
    const children = Object.entries(value).filter(([key, child]) => typeof child === 'object' && !SKIPPED.has(key));
    for (let i = children.length - 1; i >= 0; i--) pending.push((children[i] as [string, unknown])[1]);
  }
  return undefined;
}

/** Where the function a module's code runs in begins, in the functor source `@endo/module-source` makes of it. */
const FUNCTOR_BODY_START = "(function(){'use strict';";
/** Where that function ends, before the functor's `sourceURL` comment. */
const FUNCTOR_BODY_END = '\n})()\n';
const SOURCE_URL_COMMENT = '\n//# sourceURL=';

/**
 * Whether the module whose compartment functor source is `functor` (`__syncModuleProgram__` of its `ModuleSource`) may
 * await at its top level. V8 compiles the functor's body, without running it, as a class static block, where an
 * `await` outside every nested function is a syntax error in every form (`await (x)` too, which a plain function would
 * take for a call of a variable). `false` is certain and costs a fraction of parsing the module again with Babel;
 * `true` also when the body does not compile there for another reason (`arguments` at the top level) or the functor's
 * shape is not the known one: `findTopLevelAwait` then decides.
 */
export function mayAwaitAtTopLevel(functor: string): boolean {
  const comment = functor.lastIndexOf(SOURCE_URL_COMMENT);
  const end = comment < 0 ? functor.length : comment + 1;
  const start = functor.indexOf(FUNCTOR_BODY_START);
  if (start < 0 || !functor.startsWith(FUNCTOR_BODY_END, end - FUNCTOR_BODY_END.length)) return true;
  const body = functor.slice(start + FUNCTOR_BODY_START.length, end - FUNCTOR_BODY_END.length);
  try {
    new Script(`(class{static{${body}\n}})`);
    return false;
  } catch {
    return true;
  }
}
