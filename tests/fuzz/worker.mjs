// The fuzz worker's entry: worker threads do not inherit tsx's loader from --import, so it registers here.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
