// The embedded digits through their own entry point: this bundle carries the 1.6 MB asset (scripts/bundle-size.mjs).
import { fetchEmbeddedMnist } from 'logitkit/mnist';

console.log((await fetchEmbeddedMnist()).count);
