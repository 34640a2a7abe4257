// The app for bundlers that do not emit new URL('./x.wasm', import.meta.url) assets: the entry
// with the kernels embedded in the JavaScript.
import * as sc from 'simdconv/inline';
import { run } from './lesson.js';

run(sc);
