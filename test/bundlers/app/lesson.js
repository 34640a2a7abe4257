// The app's body, shared by every bundler's entry (main.js, main-inline.js): the lesson's corr2d
// and edge detector, printed into the page. It is plain JavaScript so every bundler takes it
// without a loader. window.__simdconvResult tells the test the page is done.
export function run(sc) {
  const out = document.getElementById('out');
  const done = (result) => {
    window.__simdconvResult = { ...result, text: out.textContent };
  };
  sc.init().then(
    () => {
      const Y = sc.tidy(() => sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray());
      const edges = sc.tidy(() => {
        const img = sc.tensor(Array.from({ length: 6 }, () => [1, 1, 0, 0, 0, 0, 1, 1]));
        return sc.corr2d(img, sc.tensor([[1, -1]])).toArray()[0];
      });
      out.textContent = `corr2d(X, K) = ${JSON.stringify(Y)}\nedges row = ${JSON.stringify(edges)}\nlive tensors = ${sc.memory().tensors}`;
      done({ ok: true });
    },
    (e) => {
      out.textContent = `error: ${e.name}: ${e.message}`;
      done({ ok: false, error: { name: e.name, message: e.message, argument: e.argument } });
    },
  );
}
