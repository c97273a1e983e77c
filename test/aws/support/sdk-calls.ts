import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { ROOT } from './package.ts';

/**
 * Which AWS SDK commands a Lambda's code can send, read from the source (TypeScript's parser, no
 * guessing from names): the handler → the use-case it calls → each `deps.<port>.<method>(…)` → the
 * AWS adapter src/wiring/aws.ts builds for that port → every `new <X>Command(…)` that method
 * (and the methods and functions it calls) creates. A command created only to be presigned counts:
 * the presigned request is authorised with the function's role too.
 */
export interface SdkCommand {
  /** `@aws-sdk/client-ecr` */
  client: string;
  /** `CreateRepository` */
  command: string;
  /** How the analysis got there, for failure messages. */
  via: string;
}

const SRC = join(ROOT, 'src');

const sources = new Map<string, ts.SourceFile>();
function source(file: string): ts.SourceFile {
  let parsed = sources.get(file);
  if (!parsed) {
    parsed = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    sources.set(file, parsed);
  }
  return parsed;
}

/** `import { a, b as c } from './x.ts'` → { a: { module, name: 'a' }, c: { module, name: 'b' } } (value imports only). */
function imports(file: string): Map<string, { module: string; name: string }> {
  const found = new Map<string, { module: string; name: string }>();
  for (const statement of source(file).statements) {
    if (!ts.isImportDeclaration(statement) || statement.importClause?.isTypeOnly) continue;
    const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
    const module = specifier.startsWith('.') ? resolve(dirname(file), specifier) : specifier;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        if (!element.isTypeOnly)
          found.set(element.name.text, { module, name: (element.propertyName ?? element.name).text });
      }
    }
  }
  return found;
}

function functionNamed(file: string, name: string): ts.FunctionLikeDeclaration | undefined {
  for (const statement of source(file).statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === name) return statement;
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (
          ts.isIdentifier(declaration.name) &&
          declaration.name.text === name &&
          declaration.initializer &&
          ts.isArrowFunction(declaration.initializer)
        ) {
          return declaration.initializer;
        }
      }
    }
  }
  return undefined;
}

/** `export const PAGE = '…'`: a constant that is not a function. */
function isPlainConstant(file: string, name: string): boolean {
  return source(file).statements.some(
    (s) =>
      ts.isVariableStatement(s) &&
      s.declarationList.declarations.some(
        (d) =>
          ts.isIdentifier(d.name) &&
          d.name.text === name &&
          d.initializer !== undefined &&
          !ts.isArrowFunction(d.initializer) &&
          !ts.isFunctionExpression(d.initializer),
      ),
  );
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

/**
 * Port name (`builds`) → the AWS adapter class src/wiring/aws.ts builds for it: the wiring has one
 * function per dependency, named after it (`export function builds() { … new CodeBuildBuildRunner(…) … }`).
 */
function awsAdapters(): Map<string, { file: string; className: string }> {
  const file = join(ROOT, 'src/wiring/aws.ts');
  const imported = imports(file);
  const adapters = new Map<string, { file: string; className: string }>();
  walk(source(file), (node) => {
    if (!ts.isNewExpression(node)) return;
    const from = imported.get(node.expression.getText());
    if (!from?.module.startsWith(join(SRC, 'adapters', 'aws'))) return;
    let holder: ts.Node = node.parent;
    while (!ts.isFunctionDeclaration(holder) && !ts.isSourceFile(holder)) holder = holder.parent;
    if (ts.isFunctionDeclaration(holder) && holder.name)
      adapters.set(holder.name.text, { file: from.module, className: from.name });
  });
  return adapters;
}

/** The SDK commands a handler file (`functions/prepare.ts`) can send. */
export function commandsOfHandler(handlerFile: string): SdkCommand[] {
  const file = join(ROOT, handlerFile);
  const imported = imports(file);
  const useCases = new Set<string>();
  walk(source(file), (node) => {
    if (!ts.isIdentifier(node) || ts.isImportSpecifier(node.parent)) return;
    const from = imported.get(node.text);
    if (from?.module.startsWith(SRC)) useCases.add(`${from.module}#${from.name}`);
  });
  if (useCases.size === 0) throw new Error(`${handlerFile} calls no use-case from src/ that the analysis can follow.`);
  const adapters = awsAdapters();
  const commands = new Map<string, SdkCommand>();
  const seen = new Set<string>();
  for (const useCase of useCases) {
    const [module, name] = useCase.split('#') as [string, string];
    if (!functionNamed(module, name) && isPlainConstant(module, name)) continue; // a value (a page, a table), not code
    for (const call of portCalls(module, name, seen, adapters)) {
      const adapter = adapters.get(call.port);
      if (!adapter) continue; // config, clock, logger, settings: no AWS behind them
      for (const command of adapterCommands(adapter.file, adapter.className, call.method, new Set())) {
        commands.set(`${command.client}:${command.command}`, {
          ...command,
          via: `${handlerFile} → ${name} → deps.${call.port}.${call.method} → ${command.via}`,
        });
      }
    }
  }
  return [...commands.values()];
}

/** `deps.<port>.<method>(…)` calls in a use-case and in every function it hands `deps` to. */
function portCalls(
  file: string,
  name: string,
  seen: Set<string>,
  adapters: Map<string, unknown>,
): { port: string; method: string }[] {
  const key = `${file}#${name}`;
  if (seen.has(key)) return [];
  seen.add(key);
  const fn = functionNamed(file, name);
  if (!fn?.body) throw new Error(`Cannot find function ${name} in ${file}.`);
  // The dependencies arrive as a parameter typed (part of) Dependencies.
  const names = new Set<string>();
  const callbacks = new Set<string>();
  walk(fn, (node) => {
    if (ts.isParameter(node) && ts.isIdentifier(node.name)) {
      // `Dependencies`, or a part of it (`Pick<Dependencies, 'registry'>`).
      if (/\bDependencies\b/.test(node.type?.getText() ?? '')) names.add(node.name.text);
      else callbacks.add(node.name.text);
    }
    // Or a variable typed so: the handed-in dependencies an edge resolves (`const deps: … Dependencies … = provide()`).
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      /\bDependencies\b/.test(node.type?.getText() ?? '')
    )
      names.add(node.name.text);
  });
  const calls: { port: string; method: string }[] = [];
  walk(fn.body, (node) => {
    if (!ts.isIdentifier(node) || !names.has(node.text)) return;
    const deps = node.text;
    const parent = node.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
      const port = parent.name.text;
      const outer = parent.parent;
      if (
        ts.isPropertyAccessExpression(outer) &&
        ts.isCallExpression(outer.parent) &&
        outer.parent.expression === outer
      ) {
        calls.push({ port, method: outer.name.text });
      } else if (adapters.has(port) && ts.isCallExpression(outer) && outer.arguments.includes(parent)) {
        throw new Error(
          `${file}: ${name} hands deps.${port} to another function; the analysis cannot follow it. Call the port's methods directly.`,
        );
      }
      return;
    }
    if (ts.isCallExpression(parent) && parent.arguments.includes(node)) {
      const callee = parent.expression.getText();
      // A use-case handed in by the caller (`stepHandler('Prepare', prepare)`): the handler file's own analysis follows it.
      if (callbacks.has(callee)) return;
      const from = imports(file).get(callee);
      const target = functionNamed(file, callee)
        ? { module: file, name: callee }
        : from?.module.endsWith('.ts')
          ? from
          : undefined;
      if (!target) throw new Error(`${file}: ${name} hands ${deps} to ${callee}, which the analysis cannot find.`);
      calls.push(...portCalls(target.module, target.name, seen, adapters));
      return;
    }
    if (!ts.isParameter(parent) && !ts.isVariableDeclaration(parent))
      throw new Error(`${file}: ${name} uses ${deps} in a way the analysis cannot follow: ${parent.getText()}`);
  });
  return calls;
}

/** Every `new XCommand(…)` a method creates, following `this.<method>(…)` and plain function calls into the adapter's own modules. */
function adapterCommands(file: string, className: string, method: string, seen: Set<string>): SdkCommand[] {
  const key = `${file}#${className}.${method}`;
  if (seen.has(key)) return [];
  seen.add(key);
  const cls = source(file).statements.find(
    (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === className,
  );
  const member = cls?.members.find(
    (m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText() === method,
  );
  // A function-valued field (an injected renderer, a URL lookup) is not an SDK call; clients are reached through `this.client.send`.
  if (!member && cls?.members.some((m) => ts.isPropertyDeclaration(m) && m.name.getText() === method)) return [];
  // A method its port makes optional (`changed?(…)`) and this adapter leaves out: callers check for it, so it sends nothing.
  if (!member && cls && optionalInPort(file, cls, method)) return [];
  if (!member?.body) throw new Error(`Cannot find method ${className}.${method} in ${file}.`);
  return commandsIn(
    file,
    member.body,
    `${className}.${method}`,
    (name) => adapterCommands(file, className, name, seen),
    seen,
  );
}

/** Whether an interface the class implements, from the module it is imported from, declares `method` optional. */
function optionalInPort(file: string, cls: ts.ClassDeclaration, method: string): boolean {
  const implemented = (cls.heritageClauses ?? [])
    .filter((clause) => clause.token === ts.SyntaxKind.ImplementsKeyword)
    .flatMap((clause) => clause.types.map((type) => type.expression.getText()));
  return implemented.some((name) => {
    const declaration = source(file).statements.find(
      (s): s is ts.ImportDeclaration =>
        ts.isImportDeclaration(s) &&
        s.importClause?.namedBindings !== undefined &&
        ts.isNamedImports(s.importClause.namedBindings) &&
        s.importClause.namedBindings.elements.some((e) => e.name.text === name),
    );
    if (!declaration) return false;
    const port = source(resolve(dirname(file), (declaration.moduleSpecifier as ts.StringLiteral).text));
    const iface = port.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
    );
    return (
      iface?.members.some(
        (m) => ts.isMethodSignature(m) && m.name.getText() === method && m.questionToken !== undefined,
      ) ?? false
    );
  });
}

function commandsIn(
  file: string,
  body: ts.Node,
  via: string,
  thisMethod: (name: string) => SdkCommand[],
  seen: Set<string>,
): SdkCommand[] {
  const found: SdkCommand[] = [];
  const imported = imports(file);
  walk(body, (node) => {
    if (ts.isNewExpression(node)) {
      const name = node.expression.getText();
      const from = imported.get(name);
      if (from?.module.startsWith('@aws-sdk/client-') && from.name.endsWith('Command')) {
        found.push({ client: from.module, command: from.name.slice(0, -'Command'.length), via });
      }
    }
    if (!ts.isCallExpression(node)) return;
    const callee = node.expression;
    const presigner = ts.isIdentifier(callee) ? imported.get(callee.text) : undefined;
    const presigned = presigner && PRESIGNERS[`${presigner.module}#${presigner.name}`];
    if (presigned) found.push({ ...presigned, via: `${via} → ${presigner.name}` });
    if (ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword) {
      found.push(...thisMethod(callee.name.text).map((c) => ({ ...c, via: `${via} → ${c.via}` })));
    } else if (ts.isIdentifier(callee)) {
      const local = functionNamed(file, callee.text);
      const from = imported.get(callee.text);
      const target = local ? { module: file, name: callee.text } : from?.module.startsWith(SRC) ? from : undefined;
      if (!target) return;
      const key = `${target.module}#${target.name}`;
      if (seen.has(key)) return;
      seen.add(key);
      const fn = functionNamed(target.module, target.name);
      if (fn?.body) found.push(...commandsIn(target.module, fn.body, `${via} → ${target.name}`, thisMethod, seen));
    }
  });
  return found;
}

/** Functions that sign a request for someone else to send, with no command object of their own: the role must allow what they sign. */
const PRESIGNERS: Record<string, Omit<SdkCommand, 'via'>> = {
  '@aws-sdk/s3-presigned-post#createPresignedPost': { client: '@aws-sdk/client-s3', command: 'PutObject' },
};

const IAM_PREFIX: Record<string, string> = {
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-codebuild': 'codebuild',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
};

/**
 * The IAM actions a command needs, as the Service Authorization Reference lists them. Most are
 * `<prefix>:<Command>`; the exceptions are written out with the reason.
 */
export function iamActions(command: SdkCommand): string[] {
  const prefix = IAM_PREFIX[command.client];
  if (!prefix) throw new Error(`No IAM prefix known for ${command.client} (${command.via}); add it to IAM_PREFIX.`);
  const action = `${prefix}:${command.command}`;
  switch (action) {
    // HeadObject is authorised as GetObject; telling a missing key (404) from a forbidden one (403) needs ListBucket.
    case 's3:HeadObject':
      return ['s3:GetObject', 's3:ListBucket'];
    // The same for get's, getVersion's and stream's GetObject, which tell a missing key (404 NoSuchKey) from a forbidden one; a presigned download does not.
    case 's3:GetObject':
      return ['S3ObjectStore.get', 'S3ObjectStore.getVersion', 'S3ObjectStore.stream'].some((via) =>
        command.via.includes(via),
      )
        ? [action, 's3:ListBucket']
        : [action];
    // Listing a bucket's keys is authorised as ListBucket.
    case 's3:ListObjectsV2':
      return ['s3:ListBucket'];
    // The new revision carries the current one's tags (ecs:TagResource on create) and its task and execution roles (iam:PassRole).
    case 'ecs:RegisterTaskDefinition':
      return [action, 'ecs:TagResource', 'iam:PassRole'];
    default:
      return [action];
  }
}
