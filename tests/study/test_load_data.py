import sys

import numpy as np
import pytest

from keras_smalldata.study.load_data import (
    StudyData,
    check_per_class,
    load_study_data,
)


@pytest.mark.parametrize(
    "name, shape, kind, num_classes",
    [
        ("digits", (1797, 8, 8, 1), "images", 10),
        ("breast_cancer", (569, 30), "tabular", 2),
        ("wine", (178, 13), "tabular", 3),
    ],
)
def test_embedded(name, shape, kind, num_classes):
    data = load_study_data(name)
    assert isinstance(data, StudyData)
    assert data.x.shape == shape
    assert data.x.dtype == np.float32
    assert data.y.dtype == np.int64
    assert data.kind == kind
    assert data.name == name
    assert data.num_classes == num_classes
    assert set(np.unique(data.y)) == set(range(num_classes))
    if kind == "images":
        assert data.x.min() == 0.0 and data.x.max() == 1.0


def test_embedded_class_names():
    assert load_study_data("breast_cancer").class_names == ["malignant", "benign"]
    assert load_study_data("digits").class_names == list(range(10))


# CSV -------------------------------------------------------------------------


def write_csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_encodes_features_and_labels(tmp_path):
    path = write_csv(
        tmp_path,
        "height,color,smoker,label\n"
        "1.5,red,True,yes\n"
        "2.0,blue,False,no\n"
        "3.5,red,False,yes\n"
        "4.0,green,True,maybe\n",
    )
    data = load_study_data(path, target="label")
    assert data.kind == "tabular"
    assert data.name == "data"
    assert data.class_names == ["maybe", "no", "yes"]
    np.testing.assert_array_equal(data.y, [2, 1, 2, 0])
    assert data.y.dtype == np.int64
    assert data.x.dtype == np.float32
    # height, smoker (0/1), then one-hot color_blue, color_green, color_red.
    np.testing.assert_array_equal(
        data.x,
        [
            [1.5, 1, 0, 0, 1],
            [2.0, 0, 1, 0, 0],
            [3.5, 0, 0, 0, 1],
            [4.0, 1, 0, 1, 0],
        ],
    )


def test_csv_reports_each_column_treatment(tmp_path):
    path = write_csv(
        tmp_path,
        "id,height,color,smoker,label\n"
        "P1,1.5,red,True,yes\n"
        "P2,2.0,blue,False,no\n"
        "P3,3.5,red,False,yes\n"
        "P4,4.0,green,True,maybe\n",
    )
    data = load_study_data(path, target="label")
    assert data.columns == {
        "id": "dropped (a distinct value in every row: an ID or free text)",
        "height": "numeric",
        "color": "one-hot (3 values)",
        "smoker": "numeric (bool as 0/1)",
    }
    # The ID column is not among the features: height, smoker, 3 colours.
    assert data.x.shape == (4, 5)


def test_csv_numeric_column_with_a_typo_names_the_cells(tmp_path):
    # "1,5" (a decimal comma) would have made 6 one-hot features of `dose`.
    rows = ["dose,label"] + [f"{v},{i % 2}" for i, v in enumerate(range(1, 6))]
    rows.insert(3, '"1,5",0')
    path = write_csv(tmp_path, "\n".join(rows) + "\n")
    match = r"column 'dose' holds numbers except for 1 cell\(s\): '1,5' \(data row 3\)"
    with pytest.raises(ValueError, match=match):
        load_study_data(path, target="label")


def test_csv_text_column_with_some_numbers_stays_one_hot(tmp_path):
    path = write_csv(tmp_path, "grade,label\n1,0\nA,1\nB,0\nA,1\n")
    data = load_study_data(path, target="label")
    assert data.columns == {"grade": "one-hot (3 values)"}


def test_csv_integer_column_counting_the_rows_is_flagged(tmp_path):
    path = write_csv(tmp_path, "index,a,label\n0,5,x\n1,3,y\n2,5,x\n3,1,y\n")
    data = load_study_data(path, target="label")
    assert data.columns["index"].startswith("numeric (warning: it counts the rows")
    assert data.columns["a"] == "numeric"
    assert data.x.shape == (4, 2)


def test_csv_with_only_id_columns(tmp_path):
    path = write_csv(tmp_path, "name,label\nann,0\nbob,1\ncid,0\n")
    with pytest.raises(ValueError, match="no usable feature columns.*'name' dropped"):
        load_study_data(path, target="label")


def test_non_csv_data_have_no_column_treatment():
    assert load_study_data("wine").columns is None


def test_csv_non_contiguous_integer_labels(tmp_path):
    path = write_csv(tmp_path, "a,y\n1,10\n2,30\n3,10\n4,20\n")
    data = load_study_data(str(path), target="y")
    assert data.class_names == [10, 20, 30]
    np.testing.assert_array_equal(data.y, [0, 2, 0, 1])


def test_csv_missing_target_column_lists_columns(tmp_path):
    path = write_csv(tmp_path, "a,b\n1,x\n2,y\n")
    with pytest.raises(ValueError, match=r"no column 'label'.*\['a', 'b'\]"):
        load_study_data(path, target="label")


def test_csv_without_target(tmp_path):
    path = write_csv(tmp_path, "a,b\n1,x\n2,y\n")
    with pytest.raises(ValueError, match="needs `target`"):
        load_study_data(path)


def test_csv_nan_target(tmp_path):
    path = write_csv(tmp_path, "a,y\n1,0\n2,\n3,1\n")
    with pytest.raises(ValueError, match="target column 'y' has missing values"):
        load_study_data(path, target="y")


def test_csv_nan_feature_names_column(tmp_path):
    path = write_csv(tmp_path, "a,weight,y\n1,,0\n2,3.0,1\n3,4.0,1\n")
    with pytest.raises(ValueError, match="column 'weight' has 1 missing"):
        load_study_data(path, target="y")


def test_csv_one_class(tmp_path):
    path = write_csv(tmp_path, "a,y\n1,0\n2,0\n")
    with pytest.raises(ValueError, match="at least two classes"):
        load_study_data(path, target="y")


def test_csv_empty_file(tmp_path):
    path = write_csv(tmp_path, "")
    with pytest.raises(ValueError, match="empty"):
        load_study_data(path, target="y")


def test_csv_header_only(tmp_path):
    path = write_csv(tmp_path, "a,y\n")
    with pytest.raises(ValueError, match="holds no samples"):
        load_study_data(path, target="y")


def test_csv_only_target(tmp_path):
    path = write_csv(tmp_path, "y\n0\n1\n")
    with pytest.raises(ValueError, match="no feature columns"):
        load_study_data(path, target="y")


def test_target_rejected_for_other_data():
    with pytest.raises(ValueError, match="Received: data='wine', target='y'"):
        load_study_data("wine", target="y")


# npz -------------------------------------------------------------------------


def test_npz_uint8_images_are_scaled(tmp_path):
    x = np.array([0, 255, 51, 102], np.uint8).reshape(4, 1, 1, 1)
    x = np.broadcast_to(x, (4, 2, 3, 1))
    np.savez(tmp_path / "imgs.npz", x=x, y=np.array([3, 7, 3, 9]))
    data = load_study_data(tmp_path / "imgs.npz")
    assert data.kind == "images"
    assert data.name == "imgs"
    assert data.x.shape == (4, 2, 3, 1)
    assert data.x.dtype == np.float32
    np.testing.assert_allclose(data.x[:, 0, 0, 0], [0, 1, 0.2, 0.4])
    assert data.class_names == [3, 7, 9]
    np.testing.assert_array_equal(data.y, [0, 1, 0, 2])


def test_npz_grayscale_without_channel_axis(tmp_path):
    x = np.full((4, 5, 5), 0.5, np.float32)
    np.savez(tmp_path / "gray.npz", x=x, y=np.array(["a", "b", "a", "b"]))
    data = load_study_data(tmp_path / "gray.npz")
    assert data.x.shape == (4, 5, 5, 1)
    assert data.class_names == ["a", "b"]


def test_npz_tabular(tmp_path):
    x = np.arange(12, dtype=np.float64).reshape(6, 2) * 100
    np.savez(tmp_path / "tab.npz", x=x, y=np.array([[0], [1], [0], [1], [0], [1]]))
    data = load_study_data(tmp_path / "tab.npz")
    assert data.kind == "tabular"
    assert data.x.dtype == np.float32
    np.testing.assert_array_equal(data.x, x)
    np.testing.assert_array_equal(data.y, [0, 1, 0, 1, 0, 1])


def test_npz_float_images_outside_unit_range(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.full((2, 3, 3, 1), 200.0), y=[0, 1])
    with pytest.raises(ValueError, match=r"uint8 \(0 to 255\) or floats in \[0, 1\]"):
        load_study_data(tmp_path / "d.npz")


def test_npz_missing_arrays(tmp_path):
    np.savez(tmp_path / "d.npz", images=np.zeros((2, 3)), labels=[0, 1])
    with pytest.raises(ValueError, match=r"Received arrays: \['images', 'labels'\]"):
        load_study_data(tmp_path / "d.npz")


def test_npz_length_mismatch(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((3, 2)), y=[0, 1])
    with pytest.raises(ValueError, match=r"len\(x\)=3, len\(y\)=2"):
        load_study_data(tmp_path / "d.npz")


def test_npz_one_class(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((3, 2)), y=[1, 1, 1])
    with pytest.raises(ValueError, match=r"at least two classes.*\[1\]"):
        load_study_data(tmp_path / "d.npz")


def test_npz_empty(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((0, 2)), y=np.zeros(0, int))
    with pytest.raises(ValueError, match="holds no samples"):
        load_study_data(tmp_path / "d.npz")


def test_npz_nan_features(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.array([[0.0, np.nan], [1, 2]]), y=[0, 1])
    with pytest.raises(ValueError, match="NaN or infinite"):
        load_study_data(tmp_path / "d.npz")


def test_npz_nan_labels(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((3, 2)), y=[0.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="missing"):
        load_study_data(tmp_path / "d.npz")


def test_npz_one_hot_labels(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((2, 2)), y=np.eye(2))
    with pytest.raises(ValueError, match=r"y.shape=\(2, 2\)"):
        load_study_data(tmp_path / "d.npz")


def broken_npz(tmp_path, kind):
    """An npz file that numpy cannot read, of one kind of damage."""
    import zipfile

    path = tmp_path / "broken.npz"
    if kind == "text":
        path.write_bytes(b"x,y\n1,0\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "npy":
        np.save(tmp_path / "x.npy", np.zeros((4, 2)))
        (tmp_path / "x.npy").rename(path)
    elif kind == "truncated":
        np.savez(path, x=np.zeros((4, 2)), y=[0, 1, 0, 1])
        path.write_bytes(path.read_bytes()[:200])
    elif kind == "objects":
        np.savez(path, x=np.array([{"a": 1}] * 2, dtype=object), y=[0, 1])
    elif kind == "not-npy-members":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("x.npy", "garbage")
            archive.writestr("y.npy", "garbage")
    return path


@pytest.mark.parametrize(
    "kind, message",
    [
        ("text", r"is not a valid npz file: it is not a zip archive"),
        ("empty", r"is not a valid npz file: it is empty"),
        ("npy", r"is not a valid npz file: it is a single .npy array"),
        ("truncated", r"is not a valid npz file: it is not a zip archive"),
        ("objects", r"cannot read the array 'x': it holds Python objects"),
        ("not-npy-members", r"'x' is not a .npy array"),
    ],
)
def test_npz_unreadable_says_why_and_names_path(tmp_path, kind, message):
    path = broken_npz(tmp_path, kind)
    with pytest.raises(ValueError, match=message) as error_info:
        load_study_data(path)
    assert repr(str(path)) in str(error_info.value)
    # Not numpy's advice to load pickled data unsafely.
    assert "pickle" not in str(error_info.value)


# paths -----------------------------------------------------------------------


def test_missing_path_is_named(tmp_path):
    path = str(tmp_path / "nowhere.csv")
    with pytest.raises(ValueError, match=f"No file or folder at '{path}'"):
        load_study_data(path, target="y")


def test_unknown_file_type(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("1 2 3")
    with pytest.raises(ValueError, match="Cannot tell how to read .*data.txt"):
        load_study_data(path)


# image folder ----------------------------------------------------------------


def save_images(folder, count, value):
    from PIL import Image

    folder.mkdir(parents=True)
    for index in range(count):
        pixels = np.full((10, 12, 3), value, np.uint8)
        Image.fromarray(pixels).save(folder / f"{index}.png")


def test_image_folder(tmp_path):
    save_images(tmp_path / "images" / "cat", 3, 0)
    save_images(tmp_path / "images" / "dog", 2, 255)
    (tmp_path / "images" / "empty").mkdir()
    data = load_study_data(tmp_path / "images", image_size=(8, 8))
    assert data.kind == "images"
    assert data.name == "images"
    assert data.x.shape == (5, 8, 8, 3)
    assert data.x.dtype == np.float32
    # A class folder without images is dropped, not left as a gap in the labels.
    assert data.class_names == ["cat", "dog"]
    np.testing.assert_array_equal(data.y, [0, 0, 0, 1, 1])
    np.testing.assert_allclose(data.x[:3], 0.0)
    np.testing.assert_allclose(data.x[3:], 1.0)


def test_image_folder_names_the_files_that_are_not_images(tmp_path):
    save_images(tmp_path / "images" / "cat", 2, 0)
    save_images(tmp_path / "images" / "dog", 2, 255)
    (tmp_path / "images" / "dog" / "notes.png").write_text("not an image")
    (tmp_path / "images" / "cat" / "empty.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match="2 file") as error_info:
        load_study_data(tmp_path / "images", image_size=(8, 8))
    message = str(error_info.value)
    assert repr(str(tmp_path / "images" / "dog" / "notes.png")) in message
    assert repr(str(tmp_path / "images" / "cat" / "empty.jpg")) in message
    assert "Unknown image file format" in message
    # TensorFlow's graph-node noise is left out.
    assert "{{" not in message and "[Op:" not in message


def test_image_folder_one_class(tmp_path):
    save_images(tmp_path / "images" / "cat", 2, 0)
    with pytest.raises(ValueError, match="at least two classes"):
        load_study_data(tmp_path / "images", image_size=(8, 8))


def test_image_folder_without_images(tmp_path):
    (tmp_path / "images" / "cat").mkdir(parents=True)
    with pytest.raises(ValueError, match="images.*(no images|No images)"):
        load_study_data(tmp_path / "images")


# tensorflow-datasets ---------------------------------------------------------


def test_tfds_mock_mnist():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=12):
        data = load_study_data("tfds:mnist")
    assert data.kind == "images"
    assert data.name == "tfds:mnist"
    assert data.x.shape == (12, 28, 28, 1)
    assert data.x.dtype == np.float32
    assert 0.0 <= data.x.min() and data.x.max() <= 1.0
    assert data.num_classes >= 2
    np.testing.assert_array_equal(np.unique(data.y), np.arange(data.num_classes))
    assert set(data.class_names) <= {str(digit) for digit in range(10)}


def test_tfds_resizes_images_of_varying_size():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=6):
        data = load_study_data("tfds:tf_flowers", image_size=(16, 20))
    assert data.x.shape == (6, 16, 20, 3)
    assert 0.0 <= data.x.min() and data.x.max() <= 1.0


def test_tfds_not_prepared(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(ValueError, match=r"not prepared.*`tfds build mnist --data_dir"):
        load_study_data("tfds:mnist", data_dir=str(tmp_path))


def test_tfds_unknown_dataset(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(ValueError, match="no dataset 'no_such_dataset'"):
        load_study_data("tfds:no_such_dataset", data_dir=str(tmp_path))


def test_tfds_missing_names_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    with pytest.raises(ImportError, match=r'pip install "keras-smalldata\[tfds\]"'):
        load_study_data("tfds:mnist")


# check_per_class -------------------------------------------------------------


def test_check_per_class_accepts_sizes_below_smallest_class():
    y = np.array([0] * 6 + [1] * 4)
    assert check_per_class(y, [1, 3], ["a", "b"]) is None
    assert check_per_class(y, 3, ["a", "b"]) is None


@pytest.mark.parametrize("per_class", [4, [2, 5]])
def test_check_per_class_names_smallest_class(per_class):
    y = np.array([0] * 6 + [1] * 4)
    with pytest.raises(ValueError, match="smallest class, 'b', has 4"):
        check_per_class(y, per_class, ["a", "b"])


@pytest.mark.parametrize("per_class", [0, [3, -1], [], 2.5])
def test_check_per_class_rejects_non_positive_sizes(per_class):
    with pytest.raises(ValueError, match="positive integer"):
        check_per_class(np.array([0, 0, 1, 1]), per_class, [0, 1])
