import { infrastructureModule } from '@e/module-sdk';

/** AWS infrastructure (mocked): `size` VMs, 172.31.0.N with public IPs 54.93.0.N. */
export const { definition: awsi } = infrastructureModule({
  name: 'awsi',
  title: 'AWS Infrastructure',
  short: 'AWSI',
  provider: 'aws',
  privatePrefix: '172.31.0.',
  publicPrefix: '54.93.0.',
  defaultSize: 3,
});
