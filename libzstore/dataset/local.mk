# dataset layer
