import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { StepFailedError } from '../errors';
import type { RegionName, SiteState, SiteStateDescriber, SiteStateRecord, SiteStateValue } from '../ports';
import { callAws } from './sdk-errors';

export interface SsmSiteStateProps {
  /** SSM client of the given region: each region's switch lives in that region, next to its writers. */
  readonly ssmFor: (region: RegionName) => SSMClient;
  /** Parameter path prefix; the switch of region R is `${prefix}/${R}`. */
  readonly parameterPrefix: string;
}

const VALUES: readonly SiteStateValue[] = ['ACTIVE', 'PASSIVE'];

/**
 * The ACTIVE/PASSIVE switch the application's writers read. A missing parameter is an error, not a
 * default: the stack creates both, so a missing one means the wrong prefix or region, and guessing
 * ACTIVE for it could leave two writers.
 */
export class SsmSiteState implements SiteState, SiteStateDescriber {
  constructor(private readonly props: SsmSiteStateProps) {}

  parameterName(region: RegionName): string {
    return `${this.props.parameterPrefix.replace(/\/+$/, '')}/${region}`;
  }

  async get(region: RegionName): Promise<SiteStateValue> {
    return (await this.read(region)).value;
  }

  /** The value with SSM's LastModifiedDate (when the value was last written, by anyone), in epoch ms. */
  async describe(region: RegionName): Promise<SiteStateRecord> {
    const { name, value, lastModified } = await this.read(region);
    const changedAt = lastModified?.getTime();
    // The reconciler orders the two regions' ACTIVEs by this time: a guessed one could fence the wrong region.
    if (changedAt === undefined || !Number.isFinite(changedAt)) {
      throw new StepFailedError(`Site state parameter ${name} in ${region} came back without a LastModifiedDate; cannot tell when it changed`);
    }
    return { value, changedAt };
  }

  private async read(region: RegionName): Promise<{ name: string; value: SiteStateValue; lastModified?: Date }> {
    const name = this.parameterName(region);
    let parameter: { Value?: string; LastModifiedDate?: Date } | undefined;
    try {
      const res = await callAws(`SSM GetParameter ${name} in ${region}`, () => this.props.ssmFor(region).send(new GetParameterCommand({ Name: name })));
      parameter = res.Parameter;
    } catch (err) {
      if ((err as Error).name === 'ParameterNotFound') {
        throw new StepFailedError(
          `Site state parameter ${name} does not exist in ${region}; the control-plane stack creates it (check SITE_STATE_PARAMETER_PREFIX and the region)`,
          { cause: err },
        );
      }
      throw err;
    }
    const value = parameter?.Value;
    if (!VALUES.includes(value as SiteStateValue)) {
      throw new StepFailedError(`Site state parameter ${name} in ${region} holds ${JSON.stringify(value)}; expected ACTIVE or PASSIVE`);
    }
    return { name, value: value as SiteStateValue, lastModified: parameter?.LastModifiedDate };
  }

  async set(region: RegionName, value: SiteStateValue): Promise<void> {
    const name = this.parameterName(region);
    await callAws(`SSM PutParameter ${name} in ${region}`, () =>
      this.props.ssmFor(region).send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true })),
    );
  }
}
