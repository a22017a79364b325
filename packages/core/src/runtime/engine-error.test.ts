import { describe, expect, it } from 'vitest';
import { describeEndpoint } from './engine-error.js';

describe('describeEndpoint', () => {
  const userSocket = () => '/home/ada/.docker/run/docker.sock';

  it('names DOCKER_HOST as it was given', () => {
    expect(describeEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }, userSocket)).toBe(
      'DOCKER_HOST=tcp://10.0.0.5:2375',
    );
    expect(describeEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, userSocket)).toBe(
      'DOCKER_HOST=unix:///run/user/1000/docker.sock',
    );
  });

  it('without DOCKER_HOST (or with a bare unix://), names the socket dockerode takes', () => {
    expect(describeEndpoint({}, userSocket)).toBe('unix:///home/ada/.docker/run/docker.sock');
    expect(describeEndpoint({ DOCKER_HOST: '' }, () => '/var/run/docker.sock')).toBe('unix:///var/run/docker.sock');
    expect(describeEndpoint({ DOCKER_HOST: 'unix://' }, userSocket)).toBe('unix:///home/ada/.docker/run/docker.sock');
  });
});
