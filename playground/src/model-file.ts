/**
 * Loading a trained model file in the browser. The file format and its reader belong to src/io
 * (`modelFromBytes`); until it lands this adapter reports that loading is not available in this build.
 */
import type { DigitClassifier } from './classifier.js';

export const MODEL_FILE_SUPPORTED = false;

export async function classifierFromFile(file: File): Promise<DigitClassifier> {
  void file;
  throw new Error('Loading model files needs the library\'s model reader (src/io modelFromBytes), which this build does not include yet.');
}
