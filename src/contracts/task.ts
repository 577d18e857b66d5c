/** What a model learns: class indices or a number. */
export type Task = 'classification' | 'regression';
/** A dataset's modality; each has its folder under src/datasets/. */
export type DataKind = 'image' | 'tabular' | 'text';
