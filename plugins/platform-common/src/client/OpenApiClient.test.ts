import { ResponseError } from '@backstage/errors';
import { OpenApiClient } from './OpenApiClient';

// A spec's generated `paths`, as openapi-typescript writes them.
type Paths = {
  '/v1/items/{id}': {
    get: {
      parameters: { path: { id: string }; query?: { tag?: string[] } };
      responses: { 200: { content: { 'application/json': { id: string } } } };
    };
    delete: {
      parameters: { path: { id: string } };
      responses: { 204: { content?: never } };
    };
  };
  '/v1/items': {
    post: {
      requestBody: { content: { 'application/json': { name: string } } };
      responses: { 202: { content: { 'application/json': { id: string } } } };
    };
  };
};

function clientAnswering(response: Response) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const client = new OpenApiClient<Paths>('things', {
    discoveryApi: { getBaseUrl: async id => `http://backend/api/${id}` },
    fetchApi: {
      fetch: async (url, init) => {
        calls.push({ url, init });
        return response;
      },
    },
  });
  return { client, calls };
}

describe('OpenApiClient', () => {
  it('fills path parameters (encoded) and repeats array query values', async () => {
    const { client, calls } = clientAnswering(
      new Response(JSON.stringify({ id: 'a/b' }), { status: 200 }),
    );
    const item = await client.call('get', '/v1/items/{id}', {
      params: { id: 'a/b' },
      query: { tag: ['x', 'y z'] },
    });
    expect(item).toEqual({ id: 'a/b' });
    expect(calls[0].url).toBe(
      'http://backend/api/things/v1/items/a%2Fb?tag=x&tag=y+z',
    );
    expect(calls[0].init?.method).toBe('GET');
  });

  it('sends JSON bodies and reads a 202 body; a 204 gives undefined', async () => {
    const accepted = clientAnswering(
      new Response(JSON.stringify({ id: '1' }), { status: 202 }),
    );
    await expect(
      accepted.client.call('post', '/v1/items', { body: { name: 'n' } }),
    ).resolves.toEqual({ id: '1' });
    expect(accepted.calls[0].init).toMatchObject({
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name":"n"}',
    });
    const gone = clientAnswering(new Response(null, { status: 204 }));
    await expect(
      gone.client.call('delete', '/v1/items/{id}', { params: { id: '1' } }),
    ).resolves.toBeUndefined();
  });

  it('throws a ResponseError carrying the server error body', async () => {
    const { client } = clientAnswering(
      new Response(
        JSON.stringify({
          error: { name: 'InputError', message: 'name: must be a string' },
          request: { method: 'POST', url: '/v1/items' },
          response: { statusCode: 400 },
        }),
        { status: 400, headers: { 'Content-Type': 'application/json' } },
      ),
    );
    const error = await client
      .call('post', '/v1/items', { body: { name: 'n' } })
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.body.error.message).toBe('name: must be a string');
  });
});
