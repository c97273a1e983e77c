/**
 * Where the created services run: the user's VPC and subnets (the vpcId and subnetIds params), or a
 * small VPC of the stack's own: two Availability Zones, one public subnet each, an internet gateway
 * and no NAT gateway (tasks get public IPs; their security group admits only their load balancer).
 */
import { InvalidConfigError } from '../src/domain/errors.ts';
import type { CfnValue } from './permissions.ts';

export interface NetworkParams {
  /** `vpc-…`, or '' for a VPC of the stack's own. */
  vpcId: string;
  /** Comma-separated subnet ids in vpcId (two or more Availability Zones). */
  subnetIds: string;
  /** The VPC's CIDR block: what an internal (`public: false`) load balancer admits. Needed only with vpcId. */
  vpcCidr: string;
  /** ENABLED when the subnets route to an internet gateway (tasks pull images over it), DISABLED behind a NAT. */
  assignPublicIp: string;
}

export interface Network {
  vpc: CfnValue;
  subnets: CfnValue[];
  /** What `public: false` load balancers admit. */
  cidr: CfnValue | undefined;
  assignPublicIp: 'ENABLED' | 'DISABLED';
  resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string | string[] }>;
}

/** The created VPC's address range: two /24 public subnets are cut from it. */
export const VPC_CIDR = '10.42.0.0/16';

/** `network({ vpcId: '', … }, 'dev')` → a VPC of the stack's own; with vpcId, the user's, checked. */
export function network(params: NetworkParams, stage: string): Network {
  const assignPublicIp = params.assignPublicIp || 'ENABLED';
  if (assignPublicIp !== 'ENABLED' && assignPublicIp !== 'DISABLED') {
    throw new InvalidConfigError(`The assignPublicIp param is "${params.assignPublicIp}"; use ENABLED or DISABLED.`);
  }
  if (params.vpcId) {
    const subnets = params.subnetIds
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!/^vpc-[0-9a-f]+$/.test(params.vpcId))
      throw new InvalidConfigError(`The vpcId param "${params.vpcId}" is not a VPC id (vpc-…).`);
    if (subnets.length < 2 || subnets.some((s) => !/^subnet-[0-9a-f]+$/.test(s))) {
      throw new InvalidConfigError(
        `With vpcId ${params.vpcId}, the subnetIds param must list two or more subnet ids in different Availability Zones ` +
          `(--param="subnetIds=subnet-aaa,subnet-bbb"); it is "${params.subnetIds}".`,
      );
    }
    return { vpc: params.vpcId, subnets, cidr: params.vpcCidr || undefined, assignPublicIp, resources: {} };
  }
  if (params.subnetIds) throw new InvalidConfigError('The subnetIds param needs the vpcId param of their VPC too.');
  const tags = (name: string) => [{ Key: 'Name', Value: `slipway-${stage}-${name}` }];
  const resources: Network['resources'] = {
    AppsVpc: {
      Type: 'AWS::EC2::VPC',
      Properties: { CidrBlock: VPC_CIDR, EnableDnsSupport: true, EnableDnsHostnames: true, Tags: tags('apps') },
    },
    AppsInternetGateway: { Type: 'AWS::EC2::InternetGateway', Properties: { Tags: tags('apps') } },
    AppsGatewayAttachment: {
      Type: 'AWS::EC2::VPCGatewayAttachment',
      Properties: { VpcId: { Ref: 'AppsVpc' }, InternetGatewayId: { Ref: 'AppsInternetGateway' } },
    },
    AppsPublicRouteTable: {
      Type: 'AWS::EC2::RouteTable',
      Properties: { VpcId: { Ref: 'AppsVpc' }, Tags: tags('public') },
    },
    AppsPublicRoute: {
      Type: 'AWS::EC2::Route',
      // The route needs the gateway attached first.
      DependsOn: 'AppsGatewayAttachment',
      Properties: {
        RouteTableId: { Ref: 'AppsPublicRouteTable' },
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: { Ref: 'AppsInternetGateway' },
      },
    },
  };
  const subnets: CfnValue[] = [];
  for (const index of [0, 1]) {
    const id = `AppsPublicSubnet${index + 1}`;
    resources[id] = {
      Type: 'AWS::EC2::Subnet',
      Properties: {
        VpcId: { Ref: 'AppsVpc' },
        AvailabilityZone: { 'Fn::Select': [index, { 'Fn::GetAZs': '' }] },
        CidrBlock: { 'Fn::Select': [index, { 'Fn::Cidr': [{ 'Fn::GetAtt': ['AppsVpc', 'CidrBlock'] }, 2, 8] }] },
        MapPublicIpOnLaunch: true,
        Tags: tags(`public-${index + 1}`),
      },
    };
    resources[`${id}RouteTableAssociation`] = {
      Type: 'AWS::EC2::SubnetRouteTableAssociation',
      Properties: { SubnetId: { Ref: id }, RouteTableId: { Ref: 'AppsPublicRouteTable' } },
    };
    subnets.push({ Ref: id });
  }
  return {
    vpc: { Ref: 'AppsVpc' },
    subnets,
    cidr: { 'Fn::GetAtt': ['AppsVpc', 'CidrBlock'] },
    assignPublicIp: 'ENABLED',
    resources,
  };
}
