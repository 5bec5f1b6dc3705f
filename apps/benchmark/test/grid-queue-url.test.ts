// `--queue URL` parsing: the Redis URL forms BullMQ gets, and bad values named in the error.
import { describe, expect, it } from 'vitest';
import { GridError, queueUrl, redisOptions } from '../src/grid/index.js';

describe('redisOptions', () => {
  it('reads host, port, database and credentials', () => {
    expect(redisOptions('redis://10.0.0.5:6380/3')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 3 });
    expect(redisOptions('redis://cache.lab')).toMatchObject({ host: 'cache.lab', port: 6379, db: 0 });
    expect(redisOptions('redis://u:p%40ss@h:1/')).toMatchObject({ username: 'u', password: 'p@ss', db: 0 });
    // Workers block on Redis: commands must wait through a restart instead of failing after N retries.
    expect(redisOptions('redis://h:1').maxRetriesPerRequest).toBeNull();
  });

  it('rejects anything else, naming the value', () => {
    for (const bad of ['localhost:6379', 'http://h:1', 'redis://h:1/x', 'redis://h:1/-1', 'redis://']) {
      expect(() => redisOptions(bad), bad).toThrow(GridError);
      expect(() => redisOptions(bad), bad).toThrow(`got "${bad}"`);
      expect(() => queueUrl(bad), bad).toThrow(`got "${bad}"`);
    }
    expect(queueUrl('redis://h:1/2')).toBe('redis://h:1/2');
  });
});
