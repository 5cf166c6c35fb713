// The smallest use of logitkit: one softmax. Its bundle must carry no data asset (scripts/bundle-size.mjs).
import { nn, tensor } from 'logitkit';

console.log(nn.softmax(tensor([2.0, 1.0, 0.1])).toArray());
