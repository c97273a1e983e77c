import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { relay } from '../../../../src/adapters/local/relay.ts';

/** A destination that keeps what it is sent, and can be made to fail or to close before the end. */
function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const settled = (done: ReturnType<typeof vi.fn>) => vi.waitFor(() => expect(done).toHaveBeenCalled());

/** A source relayed into a sink, and the relay's `done`. */
function relayed() {
  const source = new PassThrough();
  const destination = sink();
  const done = vi.fn();
  relay(source, destination.stream, done);
  return { source, destination, done };
}

describe('relay (a proxy hop: what stream.pipeline does, without its AbortController)', () => {
  it('passes everything on and calls done once, without an error, when the destination has finished', async () => {
    const { source, destination, done } = relayed();
    source.write('GET / ');
    source.end('HTTP/1.1');
    await once(destination.stream, 'finish');
    await settled(done);
    expect(destination.text()).toBe('GET / HTTP/1.1');
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith(undefined);
  });

  it('destroys the destination and reports the error when the source fails midway', async () => {
    const { source, destination, done } = relayed();
    source.write('half of it');
    source.destroy(new Error('upstream reset'));
    await settled(done);
    expect(done).toHaveBeenCalledWith(expect.objectContaining({ message: 'upstream reset' }));
    expect(destination.stream.destroyed).toBe(true);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('destroys the source when the destination closes before the end (the client went away)', async () => {
    const { source, destination, done } = relayed();
    source.write('a first part');
    destination.stream.destroy();
    await settled(done);
    expect(done).toHaveBeenCalledWith(expect.objectContaining({ code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    expect(source.destroyed).toBe(true);
  });

  it('does not call done when the source has ended but the destination is still writing', async () => {
    const source = new PassThrough();
    let release: () => void = () => undefined;
    const slow = new Writable({
      write(_chunk, _encoding, callback) {
        release = callback;
      },
    });
    const done = vi.fn();
    relay(source, slow, done);
    source.end('one chunk');
    await once(source, 'end');
    expect(done).not.toHaveBeenCalled();
    release();
    await settled(done);
    expect(done).toHaveBeenCalledWith(undefined);
  });
});
