// Optimizers: `sc.optim.SGD`, `sc.optim.Adam`.
export { Optimizer, type Params } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
