import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { create } from 'tar';

/** `githubTarball('octo/hello', sha, files)` → a gzip tar laid out as GitHub's tarball endpoint serves it: one top-level `owner-repo-sha7/` folder. */
export async function githubTarball(
  repository: string,
  commit: string,
  files: Record<string, string>,
): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-gh-'));
  const top = `${repository.replace('/', '-')}-${commit.slice(0, 7)}`;
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, top, path)), { recursive: true });
      await writeFile(join(dir, top, path), content);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of create({ gzip: true, cwd: dir, portable: true }, [top]) as AsyncIterable<Buffer>)
      chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A stand-in for the GitHub API's tarball endpoint on 127.0.0.1: `GET /repos/{owner}/{repo}/tarball/{sha}`
 * answers with a 302 to a codeload-like path, as GitHub does, which serves the tarball. Records requests.
 */
export async function startGithubStandIn(
  tarballs: Record<string, Buffer>,
): Promise<{ url: string; requests: { path: string; authorization?: string }[]; close(): Promise<void> }> {
  const requests: { path: string; authorization?: string }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({
      path: req.url ?? '',
      ...(req.headers.authorization && { authorization: req.headers.authorization }),
    });
    const api = /^\/repos\/([^/]+\/[^/]+)\/tarball\/([0-9a-f]{40})$/.exec(req.url ?? '');
    if (api) {
      res.writeHead(302, { location: `/codeload/${api[1]}/legacy.tar.gz/${api[2]}` });
      return void res.end();
    }
    const codeload = /^\/codeload\/([^/]+\/[^/]+)\/legacy\.tar\.gz\/([0-9a-f]{40})$/.exec(req.url ?? '');
    const body = codeload && tarballs[`${codeload[1]}@${codeload[2]}`];
    if (body) {
      res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': body.length });
      return void res.end(body);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Not Found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `deliverPush(api, secret, payload, delivery)`: POST /webhooks/github a push event as GitHub sends it, signed with `secret`. */
export async function deliverPush(
  api: string,
  secret: string,
  payload: Record<string, unknown>,
  delivery: string,
): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${api}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': delivery,
      'x-hub-signature-256': await sign(secret, body),
    },
    body,
  });
}
