import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import {
  RichProperty,
  type Property,
  type PropertyType,
  type Resource,
  type SpecDatabase,
  type TypeDefinition,
} from '@aws-cdk/service-spec-types';
import type { Template } from './package.ts';

/**
 * Checks a CloudFormation template against AWS's published resource schemas (the registry schemas
 * as packaged by @aws-cdk/aws-service-spec): every type exists, required properties are there,
 * no property is unknown, each value has the type (and allowed value) the schema gives, and every
 * Ref, Fn::GetAtt, Fn::Sub and DependsOn names something that exists.
 */
export class TemplateChecker {
  private readonly db: SpecDatabase = loadAwsServiceSpecSync();

  resource(type: string): Resource | undefined {
    return this.db.lookup('resource', 'cloudFormationType', 'equals', type)[0];
  }

  check(template: Template): string[] {
    const issues: string[] = [];
    for (const [id, resource] of Object.entries(template.Resources)) {
      const spec = this.resource(resource.Type);
      if (!spec) {
        issues.push(`${id}: CloudFormation has no resource type ${resource.Type}`);
        continue;
      }
      issues.push(...this.object(`${id}.Properties`, resource.Properties ?? {}, spec.properties));
      const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
      for (const target of dependsOn)
        if (!(target in template.Resources)) issues.push(`${id}.DependsOn: no resource ${target}`);
    }
    issues.push(...this.references(template));
    return issues;
  }

  private object(path: string, value: unknown, properties: Record<string, Property>): string[] {
    if (!isPlainObject(value)) return [`${path}: expected an object, got ${describe(value)}`];
    const issues: string[] = [];
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && value[name] === undefined)
        issues.push(`${path}.${name}: required by the schema, missing`);
    }
    for (const [name, item] of Object.entries(value)) {
      const property = properties[name];
      if (!property) {
        issues.push(
          `${path}.${name}: not a property the schema knows (known: ${Object.keys(properties).sort().join(', ')})`,
        );
        continue;
      }
      issues.push(...this.value(`${path}.${name}`, item, new RichProperty(property).types()));
    }
    return issues;
  }

  /** Valid when it matches any of the types the property has had (its current one first). */
  private value(path: string, value: unknown, types: PropertyType[]): string[] {
    if (isIntrinsic(value)) return [];
    let first: string[] | undefined;
    for (const type of types) {
      const issues = this.typed(path, value, type);
      if (issues.length === 0) return [];
      first ??= issues;
    }
    return first ?? [];
  }

  private typed(path: string, value: unknown, type: PropertyType): string[] {
    switch (type.type) {
      case 'string':
        if (typeof value !== 'string') return [`${path}: expected a string, got ${describe(value)}`];
        return type.allowedValues && !type.allowedValues.includes(value)
          ? [`${path}: "${value}" is not one of ${type.allowedValues.join(', ')}`]
          : [];
      case 'number':
      case 'integer':
        return typeof value === 'number' ||
          (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
          ? []
          : [`${path}: expected a number, got ${describe(value)}`];
      case 'boolean':
        return typeof value === 'boolean' || value === 'true' || value === 'false'
          ? []
          : [`${path}: expected a boolean, got ${describe(value)}`];
      case 'json':
        return isPlainObject(value) || typeof value === 'string' || Array.isArray(value)
          ? []
          : [`${path}: expected JSON, got ${describe(value)}`];
      case 'date-time':
        return typeof value === 'string' ? [] : [`${path}: expected a date-time string, got ${describe(value)}`];
      case 'null':
        return value === null ? [] : [`${path}: expected null`];
      case 'tag':
        return isPlainObject(value) && typeof value.Key === 'string' && value.Value !== undefined
          ? []
          : [`${path}: expected a { Key, Value } tag`];
      case 'ref': {
        const definition = this.db.get('typeDefinition', type.reference.$ref) as TypeDefinition;
        return this.object(path, value, definition.properties);
      }
      case 'array':
        if (!Array.isArray(value)) return [`${path}: expected an array, got ${describe(value)}`];
        return value.flatMap((item, index) => this.value(`${path}[${index}]`, item, [type.element]));
      case 'map':
        if (!isPlainObject(value)) return [`${path}: expected a map, got ${describe(value)}`];
        return Object.entries(value).flatMap(([key, item]) => this.value(`${path}.${key}`, item, [type.element]));
      case 'union':
        return this.value(path, value, type.types);
      default:
        return [`${path}: the checker does not know schema type ${JSON.stringify(type)}`];
    }
  }

  /** Every Ref, Fn::GetAtt, Fn::Sub variable names a resource (with that attribute), a parameter or a pseudo parameter. */
  private references(template: Template): string[] {
    const issues: string[] = [];
    const known = (name: string) =>
      name in template.Resources || name in (template.Parameters ?? {}) || name.startsWith('AWS::');
    const attribute = (path: string, name: string, attr: string) => {
      const resource = template.Resources[name];
      if (!resource) return issues.push(`${path}: Fn::GetAtt of no resource ${name}`);
      const spec = this.resource(resource.Type);
      if (spec && !(attr in spec.attributes))
        issues.push(
          `${path}: ${resource.Type} has no attribute ${attr} (has ${Object.keys(spec.attributes).join(', ')})`,
        );
    };
    walk(template, '', (path, node) => {
      if ('Ref' in node && typeof node.Ref === 'string' && !known(node.Ref))
        issues.push(`${path}: Ref to nothing called ${node.Ref}`);
      const getAtt = node['Fn::GetAtt'];
      if (Array.isArray(getAtt)) attribute(path, String(getAtt[0]), String(getAtt[1]));
      const sub = node['Fn::Sub'];
      const [text, variables] =
        typeof sub === 'string'
          ? [sub, {}]
          : Array.isArray(sub)
            ? [String(sub[0]), (sub[1] ?? {}) as Record<string, unknown>]
            : [undefined, {}];
      for (const [, expression] of text?.matchAll(/\$\{([^!}][^}]*)\}/g) ?? []) {
        const [name, attr] = (expression as string).split(/\.(.*)/s) as [string, string | undefined];
        if (name in variables) continue;
        if (attr !== undefined) attribute(`${path} (Fn::Sub)`, name, attr);
        else if (!known(name)) issues.push(`${path}: Fn::Sub names nothing called ${name}`);
      }
    });
    return issues;
  }
}

const INTRINSICS = [
  'Ref',
  'Condition',
  'Fn::GetAtt',
  'Fn::Sub',
  'Fn::Join',
  'Fn::If',
  'Fn::Select',
  'Fn::Split',
  'Fn::ImportValue',
  'Fn::FindInMap',
  'Fn::Base64',
  'Fn::GetAZs',
  'Fn::Cidr',
  'Fn::Length',
  'Fn::ToJsonString',
];

function isIntrinsic(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && INTRINSICS.includes(keys[0] as string);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return Array.isArray(value)
    ? 'an array'
    : value === null
      ? 'null'
      : typeof value === 'object'
        ? 'an object'
        : `${typeof value} ${JSON.stringify(value)}`;
}

function walk(value: unknown, path: string, visit: (path: string, node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) return value.forEach((item, index) => walk(item, `${path}[${index}]`, visit));
  if (!isPlainObject(value)) return;
  visit(path, value);
  for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key, visit);
}
