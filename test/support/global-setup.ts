import Docker from 'dockerode';

/**
 * Integration tests need the real engine and registry that `make setup` starts. If they are not
 * there the whole run fails with one clear sentence: it never skips.
 */
export default async function globalSetup(): Promise<void> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    throw new Error(
      `Integration tests need a Docker engine, but none answers (${code}) at ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}. Run "make test" (it starts one) or "make setup".`,
    );
  }
  const registry = await fetch('http://127.0.0.1:5000/v2/').catch(() => undefined);
  if (!registry?.ok) {
    throw new Error(
      'Integration tests need the local registry on 127.0.0.1:5000, but it does not answer. Run "make setup".',
    );
  }
}
