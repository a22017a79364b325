'use strict';
/*
 * Preloaded into every e the tests start (NODE_OPTIONS=--require): keeps the HTTP requests e has
 * open (to the engine or a registry), and on SIGUSR2 writes them, with what else keeps e's process
 * alive, to E_TEST_HANG_REPORT as JSON. run-e.ts asks for it when an e outlives its test's time, so
 * a hang in CI says what e was waiting for instead of only "Test timed out".
 */
const channels = require('node:diagnostics_channel');
const { writeFileSync } = require('node:fs');

const file = process.env.E_TEST_HANG_REPORT;
if (file) {
  /** @type {Map<object, {request: string, since: number, stage: string}>} */
  const open = new Map();
  channels.subscribe('http.client.request.start', ({ request }) => {
    const entry = { request: `${request.method} ${request.path}`, since: Date.now(), stage: 'sent' };
    open.set(request, entry);
    const done = () => open.delete(request);
    request.once('response', (response) => {
      entry.stage = `response ${response.statusCode}, body open`;
      response.once('end', done);
      response.once('close', done);
    });
    request.once('error', (error) => {
      entry.stage = `error ${error.code ?? error.message}`;
    });
    request.once('close', () => {
      if (entry.stage === 'sent') done();
    });
  });
  process.on('SIGUSR2', () => {
    const now = Date.now();
    const report = {
      pid: process.pid,
      openRequests: [...open.values()].map((r) => `${r.request} (${r.stage}, for ${now - r.since} ms)`),
      activeResources: process.getActiveResourcesInfo(),
    };
    writeFileSync(file, JSON.stringify(report));
  });
}
