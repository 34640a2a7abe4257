// The app as a user writes it: the package's default entry, no bundler configuration.
import * as sc from 'simdconv';
import { run } from './lesson.js';

run(sc);
