// Unknown fields in Kubernetes objects. kubernetes-models' validators (ajv code generated from the
// Kubernetes OpenAPI definitions) check the fields they know and let any other through, so a
// misspelled `livenessProbee` passes them. The same package's TypeScript interfaces are generated
// from the same definitions, and TypeScript refuses a property an object literal's type lacks:
// each object is written as a literal of its model's interface and type-checked, and every
// complaint is reported at the object's path.
import { join } from "node:path";
import ts from "typescript";

export interface TypedObject {
  /** Where the object comes from, for the messages: `base: Deployment/fetcher`. */
  readonly where: string;
  /** The module of its model (`kubernetes-models/apps/v1`) and its kind (`Deployment`: interface `IDeployment`). */
  readonly module: string;
  readonly kind: string;
  readonly object: unknown;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  types: [],
  lib: ["lib.es2022.d.ts"], // no DOM: the models need none, and it is the largest file to parse
};

/** The last check's program: the next one reuses its unchanged files (the models' declarations). */
let previous: ts.Program | undefined;

/** Each problem as `where: path: TypeScript's message`, in the objects' order; none when every field is known and well typed. */
export function fieldProblems(objects: readonly TypedObject[]): string[] {
  // Beside this file, so that its imports resolve from the test package's node_modules.
  const fileName = join(import.meta.dirname, "k8s-objects.generated.ts");
  const text = objects
    .map(
      ({ module, kind, object }, i) =>
        `import type { I${kind} as T${i} } from ${JSON.stringify(module)};\nexport const o${i}: T${i} = ${JSON.stringify(object)};\n`,
    )
    .join("");
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, text, language, true) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === fileName || fileExists.call(host, name);
  host.readFile = (name) => (name === fileName ? text : readFile.call(host, name));
  const program = ts.createProgram([fileName], COMPILER_OPTIONS, host, previous);
  previous = program;
  const source = program.getSourceFile(fileName)!;
  const declarations = source.statements.filter(ts.isVariableStatement).map((statement) => statement.declarationList.declarations[0]!.initializer!);
  return ts.getPreEmitDiagnostics(program, source).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    const start = diagnostic.start ?? 0;
    const index = declarations.findIndex((literal) => literal.pos <= start && start < literal.end);
    if (index < 0) return `${message} (at ${start})`; // an import the models lack: the kind itself is unknown
    return `${objects[index]!.where}: ${pathAt(declarations[index]!, start) || "(the object)"}: ${message}`;
  });
}

/** The JSON path (`spec.template.spec.containers[0].livenessProbee`) of the deepest literal part at `position`. */
function pathAt(node: ts.Node, position: number): string {
  return segmentsAt(node, position).join("").replace(/^\./, "");
}

function segmentsAt(node: ts.Node, position: number): string[] {
  const within = (part: ts.Node) => part.getStart() <= position && position < part.end;
  if (ts.isObjectLiteralExpression(node)) {
    const property = node.properties.find(within);
    if (property && ts.isPropertyAssignment(property) && ts.isStringLiteral(property.name)) {
      const name = property.name.text;
      const segment = /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
      return [segment, ...segmentsAt(property.initializer, position)];
    }
  }
  if (ts.isArrayLiteralExpression(node)) {
    const index = node.elements.findIndex(within);
    if (index >= 0) return [`[${index}]`, ...segmentsAt(node.elements[index]!, position)];
  }
  return [];
}
