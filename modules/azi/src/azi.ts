import { infrastructureModule } from '@e/module-sdk';

/** Azure infrastructure (mocked): `size` VMs, 10.0.0.N with public IPs 213.1.1.N. */
export const {
  definition: azi,
  initialConfig,
  desiredSection,
  renderRemote,
  planChanges,
} = infrastructureModule({
  name: 'azi',
  title: 'Azure Infrastructure',
  short: 'AZI',
  provider: 'azure',
  privatePrefix: '10.0.0.',
  publicPrefix: '213.1.1.',
  defaultSize: 5,
});
