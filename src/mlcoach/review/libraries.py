"""What the reviewer knows about the libraries a take-home uses: which class is a scaler, a model or a
splitter, which function loads data or computes a metric, and which import names map to which
distributions. Matching is by the last component of a dotted name, so `preprocessing.StandardScaler`
and `StandardScaler` are the same thing to the analysis.
"""

from __future__ import annotations

import re

# Transforms that learn something from the rows they are fitted on (so fitting them before the split
# leaks the test rows into training). Stateless ones (FunctionTransformer, PolynomialFeatures,
# HashingVectorizer, Binarizer) and label-only encoders are deliberately absent.
STATEFUL_TRANSFORMS = frozenset(
    {
        # scaling
        "StandardScaler",
        "MinMaxScaler",
        "RobustScaler",
        "MaxAbsScaler",
        "QuantileTransformer",
        "PowerTransformer",
        "KBinsDiscretizer",
        # imputation
        "SimpleImputer",
        "KNNImputer",
        "IterativeImputer",
        "MissingIndicator",
        # encoding
        "OneHotEncoder",
        "OrdinalEncoder",
        "TargetEncoder",
        "CountEncoder",
        "WOEEncoder",
        "CatBoostEncoder",
        "BinaryEncoder",
        "LeaveOneOutEncoder",
        "JamesSteinEncoder",
        "MEstimateEncoder",
        "HashingEncoder",
        "GLMMEncoder",
        # text
        "CountVectorizer",
        "TfidfVectorizer",
        "TfidfTransformer",
        "DictVectorizer",
        "Tokenizer",  # keras' tokenizer learns a vocabulary with fit_on_texts
        # feature selection
        "SelectKBest",
        "SelectPercentile",
        "SelectFpr",
        "SelectFdr",
        "SelectFwe",
        "GenericUnivariateSelect",
        "VarianceThreshold",
        "RFE",
        "RFECV",
        "SelectFromModel",
        "SequentialFeatureSelector",
        # projection
        "PCA",
        "IncrementalPCA",
        "KernelPCA",
        "SparsePCA",
        "TruncatedSVD",
        "FactorAnalysis",
        "FastICA",
        "NMF",
        "LatentDirichletAllocation",
        "Isomap",
        "LocallyLinearEmbedding",
        "UMAP",
        "TSNE",
        "Nystroem",
        "RBFSampler",
        # composites (stateful when what they hold is)
        "ColumnTransformer",
        "FeatureUnion",
    }
)

OVERSAMPLERS = frozenset(
    {
        "SMOTE",
        "ADASYN",
        "BorderlineSMOTE",
        "SVMSMOTE",
        "KMeansSMOTE",
        "SMOTENC",
        "SMOTEN",
        "RandomOverSampler",
        "SMOTETomek",
        "SMOTEENN",
    }
)
UNDERSAMPLERS = frozenset(
    {
        "RandomUnderSampler",
        "NearMiss",
        "TomekLinks",
        "EditedNearestNeighbours",
        "ClusterCentroids",
        "CondensedNearestNeighbour",
        "OneSidedSelection",
        "InstanceHardnessThreshold",
    }
)

SEARCHES = frozenset(
    {
        "GridSearchCV",
        "RandomizedSearchCV",
        "HalvingGridSearchCV",
        "HalvingRandomSearchCV",
        "BayesSearchCV",
        "TunedThresholdClassifierCV",
    }
)

SPLITTERS = frozenset(
    {
        "KFold",
        "StratifiedKFold",
        "GroupKFold",
        "StratifiedGroupKFold",
        "RepeatedKFold",
        "RepeatedStratifiedKFold",
        "ShuffleSplit",
        "StratifiedShuffleSplit",
        "GroupShuffleSplit",
        "TimeSeriesSplit",
        "LeaveOneOut",
        "LeavePOut",
        "LeaveOneGroupOut",
        "LeavePGroupsOut",
        "PredefinedSplit",
    }
)
# Splitters that ignore the class balance: on a classifier, folds may miss a rare class.
UNSTRATIFIED_SPLITTERS = frozenset({"KFold", "RepeatedKFold", "ShuffleSplit"})

PIPELINES = frozenset({"Pipeline", "make_pipeline"})

CLASSIFIERS = frozenset(
    {
        "LogisticRegression",
        "LogisticRegressionCV",
        "SVC",
        "LinearSVC",
        "NuSVC",
        "GaussianNB",
        "MultinomialNB",
        "BernoulliNB",
        "ComplementNB",
        "CategoricalNB",
        "Perceptron",
        "LinearDiscriminantAnalysis",
        "QuadraticDiscriminantAnalysis",
        "NearestCentroid",
        "LabelPropagation",
        "LabelSpreading",
        "OneVsRestClassifier",
        "OneVsOneClassifier",
    }
)
REGRESSORS = frozenset(
    {
        "LinearRegression",
        "Ridge",
        "RidgeCV",
        "Lasso",
        "LassoCV",
        "ElasticNet",
        "ElasticNetCV",
        "Lars",
        "LassoLars",
        "BayesianRidge",
        "ARDRegression",
        "HuberRegressor",
        "SVR",
        "LinearSVR",
        "NuSVR",
        "KernelRidge",
        "PoissonRegressor",
        "TweedieRegressor",
        "GammaRegressor",
        "QuantileRegressor",
        "TheilSenRegressor",
        "RANSACRegressor",
        "IsotonicRegression",
        "OLS",
        "WLS",
        "GLM",
        "Logit",
        "ARIMA",
        "SARIMAX",
        "ExponentialSmoothing",
        "Prophet",
    }
)
OTHER_MODELS = frozenset(
    {
        "Sequential",
        "Model",
        "KMeans",
        "MiniBatchKMeans",
        "DBSCAN",
        "AgglomerativeClustering",
        "GaussianMixture",
        "IsolationForest",
        "LocalOutlierFactor",
        "OneClassSVM",
    }
)
DUMMIES = frozenset({"DummyClassifier", "DummyRegressor"})

# Estimators whose result depends on a random number generator unless random_state is fixed.
# (XGBoost, LightGBM and CatBoost default to a fixed seed, so they are not listed.)
STOCHASTIC = frozenset(
    {
        "RandomForestClassifier",
        "RandomForestRegressor",
        "ExtraTreesClassifier",
        "ExtraTreesRegressor",
        "GradientBoostingClassifier",
        "GradientBoostingRegressor",
        "HistGradientBoostingClassifier",
        "HistGradientBoostingRegressor",
        "DecisionTreeClassifier",
        "DecisionTreeRegressor",
        "BaggingClassifier",
        "BaggingRegressor",
        "AdaBoostClassifier",
        "AdaBoostRegressor",
        "IsolationForest",
        "RandomTreesEmbedding",
        "MLPClassifier",
        "MLPRegressor",
        "SGDClassifier",
        "SGDRegressor",
        "Perceptron",
        "PassiveAggressiveClassifier",
        "KMeans",
        "MiniBatchKMeans",
        "GaussianMixture",
        "TSNE",
        "TruncatedSVD",
        "RandomizedSearchCV",
        "HalvingRandomSearchCV",
        "ShuffleSplit",
        "StratifiedShuffleSplit",
        "GroupShuffleSplit",
        *OVERSAMPLERS,
        "RandomUnderSampler",
    }
)
# Splitters that only draw random numbers when asked to shuffle.
SHUFFLE_SPLITTERS = frozenset(
    {"KFold", "StratifiedKFold", "RepeatedKFold", "RepeatedStratifiedKFold", "StratifiedGroupKFold"}
)

# encoders that learn each category's mean label: fitted on the test rows, they leak the label
TARGET_ENCODERS = frozenset(
    {
        "TargetEncoder",
        "MEstimateEncoder",
        "LeaveOneOutEncoder",
        "CatBoostEncoder",
        "JamesSteinEncoder",
        "WOEEncoder",
        "GLMMEncoder",
    }
)

# scikit-learn's function forms of the scalers: fitted on whatever rows they are given
SCALING_FUNCTIONS = frozenset(
    {
        "scale",
        "minmax_scale",
        "robust_scale",
        "maxabs_scale",
        "quantile_transform",
        "power_transform",
        "normalize",
    }
)

SPLIT_FUNCTIONS = frozenset({"train_test_split"})
CV_FUNCTIONS = frozenset(
    {
        "cross_val_score",
        "cross_validate",
        "cross_val_predict",
        "learning_curve",
        "validation_curve",
        "permutation_test_score",
    }
)

# metric function -> the metric's family, used to tell "only accuracy" from a fuller picture.
METRICS = {
    "accuracy_score": "accuracy",
    "balanced_accuracy_score": "balanced_accuracy",
    "f1_score": "f1",
    "fbeta_score": "f1",
    "precision_score": "precision",
    "recall_score": "recall",
    "precision_recall_fscore_support": "f1",
    "roc_auc_score": "roc_auc",
    "roc_curve": "roc_auc",
    "auc": "roc_auc",
    "average_precision_score": "average_precision",
    "precision_recall_curve": "average_precision",
    "log_loss": "log_loss",
    "brier_score_loss": "brier",
    "matthews_corrcoef": "mcc",
    "cohen_kappa_score": "kappa",
    "classification_report": "classification_report",
    "confusion_matrix": "confusion_matrix",
    "multilabel_confusion_matrix": "confusion_matrix",
    "hamming_loss": "hamming",
    "jaccard_score": "jaccard",
    "top_k_accuracy_score": "accuracy",
    "mean_squared_error": "mse",
    "root_mean_squared_error": "rmse",
    "mean_absolute_error": "mae",
    "median_absolute_error": "mae",
    "mean_absolute_percentage_error": "mape",
    "mean_squared_log_error": "msle",
    "r2_score": "r2",
    "explained_variance_score": "r2",
    "max_error": "max_error",
    "mean_pinball_loss": "pinball",
    "silhouette_score": "silhouette",
    "adjusted_rand_score": "ari",
    "ConfusionMatrixDisplay": "confusion_matrix",
    "RocCurveDisplay": "roc_auc",
    "PrecisionRecallDisplay": "average_precision",
    "PredictionErrorDisplay": "mse",
    "DetCurveDisplay": "roc_auc",
}

# Calls that bring a data set into the program.
LOADER_PREFIXES = ("read_", "load_", "fetch_", "make_")
LOADER_NAMES = frozenset(
    {
        "DataFrame",
        "Series",
        "array",
        "asarray",
        "loadtxt",
        "genfromtxt",
        "load",
        "fromfile",
        "open_dataset",
        "Dataset",
        "ImageFolder",
        "image_dataset_from_directory",
    }
)
CONCAT_FUNCTIONS = frozenset(
    {
        "concat",
        "concatenate",
        "vstack",
        "hstack",
        "column_stack",
        "row_stack",
        "stack",
        "append",
        "merge",
        "c_",
        "r_",
    }
)
RESAMPLE_FUNCTIONS = frozenset({"resample"})
SELECTION_FUNCTIONS = frozenset(
    {"max", "min", "argmax", "argmin", "argsort", "sort", "sorted", "nanargmax", "nanargmin"}
)
SELECTION_METHODS = frozenset(
    {"idxmax", "idxmin", "sort_values", "nlargest", "nsmallest", "argmax", "argmin", "max", "min"}
)
# pandas/numpy reductions that turn rows into a statistic (a "fit" when it flows back into data).
STATISTIC_METHODS = frozenset({"mean", "median", "std", "var", "mode", "quantile", "min", "max"})
# NumPy's function forms of them (np.mean(column)); not max/min, which also pick among scores
STATISTIC_FUNCTIONS = frozenset(
    {"mean", "median", "std", "var", "nanmean", "nanmedian", "nanstd", "percentile", "quantile"}
)
EDA_CALLS = frozenset(
    {
        "describe",
        "info",
        "value_counts",
        "hist",
        "histplot",
        "boxplot",
        "countplot",
        "pairplot",
        "heatmap",
        "corr",
        "plot",
        "scatter",
        "displot",
        "distplot",
        "kdeplot",
        "violinplot",
        "barplot",
        "lineplot",
        "scatterplot",
        "jointplot",
        "catplot",
        "nunique",
        "crosstab",
        "pivot_table",
        "ProfileReport",
        "scatter_matrix",
        "isnull",
        "isna",
        "bar",
        "imshow",
        "matshow",
    }
)
# Column names of quantities that cannot be zero or negative in a living person or a real object.
# name pattern -> the smallest feasible value (a fill value below it is infeasible).
PHYSICAL_COLUMNS: tuple[tuple[re.Pattern[str], float, str], ...] = (
    (re.compile(r"heart[\s_-]*rate|\bhr\b|pulse|bpm", re.I), 20.0, "heart rate"),
    (re.compile(r"blood[\s_-]*pressure|\bbp\b|systolic|diastolic|trestbps|\bsbp\b|\bdbp\b", re.I), 20.0, "blood pressure"),
    (re.compile(r"\bbmi\b|body[\s_-]*mass", re.I), 8.0, "BMI"),
    (re.compile(r"(^|_|\b)age(_|\b|$)|age_years|patient_age", re.I), 0.01, "age"),
    (re.compile(r"glucose|blood[\s_-]*sugar", re.I), 10.0, "glucose"),
    (re.compile(r"chol(esterol)?\b|^chol", re.I), 20.0, "cholesterol"),
    (re.compile(r"insulin", re.I), 0.01, "insulin"),
    (re.compile(r"skin[\s_-]*thickness", re.I), 0.01, "skin thickness"),
    (re.compile(r"weight|\bkg\b", re.I), 0.01, "weight"),
    (re.compile(r"height|\bcm\b", re.I), 0.01, "height"),
    (re.compile(r"temp(erature)?\b|body_temp", re.I), 25.0, "body temperature"),
    (re.compile(r"haemoglobin|hemoglobin|\bhgb\b", re.I), 1.0, "haemoglobin"),
    (re.compile(r"respiratory|resp_rate|breath", re.I), 1.0, "respiratory rate"),
    (re.compile(r"oxygen|spo2|o2_sat", re.I), 30.0, "oxygen saturation"),
    (re.compile(r"creatinine", re.I), 0.01, "creatinine"),
    (re.compile(r"sq_?ft|square[\s_-]*f(ee|oo)t|living[\s_-]*area|floor[\s_-]*area|lot[\s_-]*area", re.I), 1.0, "floor area"),
    (re.compile(r"price|cost|fare", re.I), 0.0, "price"),
)  # fmt: skip

# Import name -> the distribution names that provide it (first is the usual one).
IMPORT_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn", "sklearn"),
    "cv2": (
        "opencv-python",
        "opencv-python-headless",
        "opencv-contrib-python",
        "opencv-contrib-python-headless",
        "opencv",
        "py-opencv",
    ),
    "PIL": ("pillow", "pil"),
    "yaml": ("pyyaml",),
    "bs4": ("beautifulsoup4",),
    "skimage": ("scikit-image",),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "attr": ("attrs",),
    "imblearn": ("imbalanced-learn", "imblearn"),
    "category_encoders": ("category-encoders",),
    "umap": ("umap-learn",),
    "torch": ("torch", "pytorch", "torch-cpu"),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos"),
    "keras": ("keras", "tensorflow", "tensorflow-cpu"),
    "mpl_toolkits": ("matplotlib",),
    "IPython": ("ipython", "jupyter", "notebook", "jupyterlab", "ipykernel"),
    "ipywidgets": ("ipywidgets",),
    "pandas_profiling": ("pandas-profiling",),
    "ydata_profiling": ("ydata-profiling",),
    "sklearn_pandas": ("sklearn-pandas",),
    "hydra": ("hydra-core",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "MySQLdb": ("mysqlclient",),
    "OpenSSL": ("pyopenssl",),
    "jwt": ("pyjwt",),
    "magic": ("python-magic",),
    "serial": ("pyserial",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "fitz": ("pymupdf",),
    "Levenshtein": ("python-levenshtein", "levenshtein"),
    "gi": ("pygobject",),
    "win32api": ("pywin32",),
    "google": ("protobuf", "google-cloud-storage", "google-api-python-client", "google-auth"),
    "sentence_transformers": ("sentence-transformers",),
    "lightgbm": ("lightgbm",),
    "xgboost": ("xgboost", "py-xgboost"),
    "catboost": ("catboost",),
    "statsmodels": ("statsmodels",),
    "prophet": ("prophet", "fbprophet"),
    "fbprophet": ("fbprophet", "prophet"),
    "tqdm": ("tqdm",),
    "shap": ("shap",),
    "optuna": ("optuna",),
    "scipy": ("scipy",),
    "numpy": ("numpy",),
    "pandas": ("pandas",),
    "matplotlib": ("matplotlib", "matplotlib-base"),
    "seaborn": ("seaborn",),
    "plotly": ("plotly",),
    "joblib": ("joblib",),
}
# Packages a notebook may import without declaring them: they come with Jupyter itself.
NOTEBOOK_RUNTIME = frozenset({"IPython", "ipykernel", "ipywidgets"})


def distributions_for(import_name: str) -> tuple[str, ...]:
    """The distribution names that would satisfy ``import import_name``, normalised."""
    names = IMPORT_DISTRIBUTIONS.get(import_name, (import_name,))
    return tuple(normalise_distribution(n) for n in names)


def normalise_distribution(name: str) -> str:
    """PEP 503 normalisation: case and runs of -_. do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def estimator_category(name: str) -> str | None:
    """The role a class plays in a modelling workflow, or None when it is not an estimator."""
    if name in DUMMIES:
        return "model"
    if name in PIPELINES:
        return "pipeline"
    if name in SEARCHES:
        return "search"
    if name in SPLITTERS:
        return "splitter"
    if name in OVERSAMPLERS or name in UNDERSAMPLERS:
        return "sampler"
    if name in STATEFUL_TRANSFORMS or name == "make_column_transformer":
        return "transform"
    if name in CLASSIFIERS or name in REGRESSORS or name in OTHER_MODELS:
        return "model"
    if re.search(r"(Classifier|Regressor|Regression|Classification|Forecaster)$", name):
        return "model"
    if re.match(r"(XGB|LGBM|CatBoost|KNeighbors|RadiusNeighbors|GaussianProcess)", name):
        return "model"
    return None


def is_classifier_name(name: str) -> bool:
    if name in CLASSIFIERS or name == "DummyClassifier":
        return True
    return bool(re.search(r"Classifier(CV)?$", name)) or name.endswith("SVC")


def is_loader(name: str) -> bool:
    return name.startswith(LOADER_PREFIXES) or name in LOADER_NAMES
