// A Cloudflare Worker as a user writes it: `import * as sc from 'simdconv'` with no configuration
// (the `workerd` export condition gives the entry that imports the .wasm as a module), `init()`
// on the first request. POST { X, K } answers corr2d(X, K) as JSON; bad input answers 400 with
// simdconv's error. The README's Workers section shows this code.
import * as sc from 'simdconv';

export default {
  async fetch(request: Request): Promise<Response> {
    await sc.init();
    const { X, K } = (await request.json()) as { X: number[][]; K: number[][] };
    try {
      const Y = sc.tidy(() => sc.corr2d(sc.tensor(X), sc.tensor(K)).toArray()); // frees the tensors
      return Response.json({ Y, live: sc.memory().tensors });
    } catch (e) {
      if (e instanceof sc.SimdconvError) return Response.json({ error: e.name, message: e.message }, { status: 400 });
      throw e;
    }
  },
};
