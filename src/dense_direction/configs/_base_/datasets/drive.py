# DRIVE retinal vessels (mmseg converter: tools/dataset_converters/drive.py): the CHASE-DB1
# setup with mmseg's DRIVEDataset (masks named *_manual1.png) and its own data root.
_base_ = ["./chase_db1.py"]
dataset_type = "DRIVEDataset"
data_root = "data/DRIVE"
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
