package scripts

import _ "embed"

//go:embed images.sh
var imagesSh string

// Images is images.sh, after the prelude.
var Images = prelude + imagesSh

// ImagesInput is images.sh's: image references, space-separated.
type ImagesInput struct {
	Images string `env:"IMAGES"`
}

func (ImagesInput) Script() string { return Images }
